/**
 * The ZAP client side (RFC 27), as libzmq does it: a ZAP handler is whatever binds
 * `inproc://zeromq.zap.01` in the socket's context. Each handshake that needs authentication opens its
 * own connection to it (libzmq: one pipe per session, request id "1"), sends the request frames and
 * waits for the 7-frame reply. No handler bound -> `null`, and the mechanism applies libzmq's default
 * (NULL proceeds, PLAIN refuses, CURVE accepts any key).
 */
import type { Context } from "../context.ts";
import type { ZapReply, ZapRequest } from "../mechanisms/mechanism.ts";
import { parseProperties, type Properties } from "../protocol/command.ts";
import { Dealer } from "../sockets/dealer.ts";

export const ZAP_ENDPOINT = "inproc://zeromq.zap.01";
const ZAP_NAME = "zeromq.zap.01";

/** A reply that fails libzmq's validation counts as an internal error (status 500). */
function broken(text: string): ZapReply {
  return { statusCode: "500", statusText: text, userId: "", metadata: [] };
}

/** Validate reply frames after the empty delimiter, exactly as libzmq (`zap_client.cpp`) does. */
export function parseZapReply(frames: Buffer[]): ZapReply {
  // [ "", "1.0", "1", status, text, user id, metadata ]
  if (frames.length !== 7) return broken(`ZAP reply has ${frames.length} frames, expected 7`);
  const [delim, version, requestId, status, text, userId, meta] = frames as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
  if (delim.length !== 0) return broken("ZAP reply does not start with an empty delimiter");
  if (version.toString() !== "1.0") return broken("ZAP reply has a bad version");
  if (requestId.toString() !== "1") return broken("ZAP reply has a bad request id");
  const code = status.toString();
  if (code !== "200" && code !== "300" && code !== "400" && code !== "500") return broken(`ZAP reply has invalid status "${code}"`);
  let metadata: Properties;
  try {
    metadata = parseProperties(meta);
  } catch {
    return broken("ZAP reply metadata is malformed");
  }
  return { statusCode: code, statusText: text.toString(), userId: userId.toString(), metadata };
}

/** Ask the context's ZAP handler. Resolves null when no handler is bound; never rejects. */
export async function zapRequest(context: Context, request: ZapRequest): Promise<ZapReply | null> {
  if (context.lookupInproc(ZAP_NAME) === undefined) return null;
  const dealer = new Dealer({ context, linger: 0 });
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
    const reply = await dealer.receive();
    return parseZapReply(reply);
  } catch (err) {
    return broken(`ZAP request failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    dealer.close();
  }
}
