/**
 * The ZAP client side (RFC 27), as libzmq does it: a ZAP handler is whatever binds
 * `inproc://zeromq.zap.01` in the socket's context. Each handshake that needs authentication opens its
 * own connection to it (libzmq: one pipe per session, request id "1"), sends the request frames and
 * waits for the 7-frame reply. No handler bound -> `null`, and the mechanism applies libzmq's default
 * (NULL proceeds, PLAIN refuses, CURVE accepts any key).
 */
import { kInproc, type Context } from "../context.ts";
import { ProtocolError, type ProtoErrorCode } from "../errors.ts";
import type { ZapReply, ZapRequest } from "../mechanisms/mechanism.ts";
import { parseProperties, type Properties } from "../protocol/command.ts";
import { Dealer } from "../sockets/dealer.ts";

/** Where a ZAP handler binds (RFC 27). */
export const ZAP_ENDPOINT = "inproc://zeromq.zap.01";
const ZAP_NAME = "zeromq.zap.01";

function malformed(code: ProtoErrorCode, text: string): ProtocolError {
  return new ProtocolError(code, `malformed ZAP reply: ${text}`);
}

/**
 * Validate reply frames (from the empty delimiter on) exactly as libzmq does
 * (`zap_client.cpp` receive_and_process_zap_reply). A reply that fails is a protocol error of the
 * connection being authenticated (ZMQ_PROTOCOL_ERROR_ZAP_*): it throws a {@link ProtocolError}.
 */
export function parseZapReply(frames: Buffer[]): ZapReply {
  // [ "", "1.0", "1", status, text, user id, metadata ]
  if (frames.length !== 7) throw malformed("ERR_ZAP_MALFORMED_REPLY", `${frames.length} frames, expected 7`);
  const [delim, version, requestId, status, text, userId, meta] = frames as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
  ];
  if (delim.length !== 0) throw malformed("ERR_ZAP_UNSPECIFIED", "no empty delimiter");
  if (version.toString("latin1") !== "1.0") throw malformed("ERR_ZAP_BAD_VERSION", "version is not 1.0");
  if (requestId.toString("latin1") !== "1") throw malformed("ERR_ZAP_BAD_REQUEST_ID", "request id is not 1");
  const code = status.toString("latin1");
  if (code !== "200" && code !== "300" && code !== "400" && code !== "500") {
    throw malformed("ERR_ZAP_INVALID_STATUS_CODE", `status "${code}" is not 200, 300, 400 or 500`);
  }
  let metadata: Properties;
  try {
    metadata = parseProperties(meta);
  } catch {
    throw malformed("ERR_ZAP_INVALID_METADATA", "metadata is not a ZMTP property list");
  }
  return { statusCode: code, statusText: text.toString(), userId: userId.toString(), metadata };
}

/** `p`, or a rejection once `signal` aborts (the handshake that asked is over). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error("the handshake ended before the ZAP reply"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error("the handshake ended before the ZAP reply"));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener("abort", onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener("abort", onAbort), reject(e)),
    );
  });
}

/**
 * Ask the context's ZAP handler. Resolves null when no handler is bound. Rejects only with a
 * {@link ProtocolError} for a malformed reply (the engine then drops the connection, as libzmq does);
 * any other failure resolves as status 500.
 */
export async function zapRequest(context: Context, request: ZapRequest): Promise<ZapReply | null> {
  if (context[kInproc].lookup(ZAP_NAME) === undefined) return null;
  const dealer = new Dealer({ context, linger: 0 });
  let reply: Buffer[];
  try {
    dealer.connect(ZAP_ENDPOINT);
    await dealer.send([
      "",
      "1.0",
      "1",
      request.domain,
      request.address,
      request.identity,
      request.mechanism,
      ...request.credentials,
    ]);
    const signal = request.signal;
    reply = await (signal === undefined ? dealer.receive() : untilAborted(dealer.receive(), signal));
  } catch (err) {
    const text = `ZAP request failed: ${err instanceof Error ? err.message : String(err)}`;
    return { statusCode: "500", statusText: text, userId: "", metadata: [] };
  } finally {
    dealer.close();
  }
  return parseZapReply(reply);
}
