/**
 * The HTTP/1.1 upgrade that opens a ZWS connection (RFC 6455 §4; docs/ws-notes.md §3-§8). Pure: builds
 * and checks the request and the 101 response; the caller computes SHA-1 (node:crypto) and does the I/O.
 */
import { Buffer } from "node:buffer";
import type { MechanismName } from "../../protocol/constants.ts";
import { acceptedProtocol, selectProtocol, type ZwsProtocol } from "../../protocol/zws.ts";

/** RFC 6455 §1.3: the GUID appended to the client's key before hashing. */
export const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** Largest request or response head accepted (request line and headers). */
export const MAX_HEAD = 16 * 1024;

/** A parsed head: its first line and its headers, names lower-cased. */
export interface Head {
  readonly line: string;
  readonly headers: ReadonlyMap<string, string>;
}

/** The upgrade failed: `status` is the HTTP status a server answers with (0: none, just close). */
export class UpgradeError extends Error {
  readonly status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}

/**
 * Where the head ends in `buf` (the index after its blank line), or -1 while it goes on. Throws when it
 * outgrows {@link MAX_HEAD}.
 */
export function headEnd(buf: Buffer): number {
  const i = buf.indexOf("\r\n\r\n", 0, "latin1");
  if (i === -1) {
    if (buf.length > MAX_HEAD) throw new UpgradeError(`HTTP head longer than ${MAX_HEAD} bytes`, 431);
    return -1;
  }
  if (i + 4 > MAX_HEAD) throw new UpgradeError(`HTTP head longer than ${MAX_HEAD} bytes`, 431);
  return i + 4;
}

/** Parse a complete head (without its blank line). Header lines are `name: value`; no folding. */
export function parseHead(text: string): Head {
  const lines = text.split("\r\n");
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === "") continue;
    const colon = l.indexOf(":");
    if (colon <= 0 || l[0] === " " || l[0] === "\t") throw new UpgradeError(`malformed header line "${l}"`);
    const name = l.slice(0, colon).trim().toLowerCase();
    const value = l.slice(colon + 1).trim();
    // Repeated headers join with commas (RFC 7230 §3.2.2): Sec-WebSocket-Protocol may come in several.
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
  }
  return { line: lines[0]!, headers };
}

function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  return value.split(",").some((t) => t.trim().toLowerCase() === token);
}

/** The client's request (docs/ws-notes.md §6). */
export function buildRequest(path: string, host: string, key: string, protocols: readonly string[]): Buffer {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\n` +
      `Host: ${host}\r\n` +
      "Upgrade: websocket\r\n" +
      "Connection: Upgrade\r\n" +
      `Sec-WebSocket-Key: ${key}\r\n` +
      `Sec-WebSocket-Protocol: ${protocols.join(",")}\r\n` +
      "Sec-WebSocket-Version: 13\r\n\r\n",
    "latin1",
  );
}

/** What the server learns from a valid request. */
export interface Request {
  readonly path: string;
  readonly key: string;
  readonly protocol: ZwsProtocol;
}

/**
 * Check a request the way libzmq's server does (docs/ws-notes.md §7), and choose the subprotocol for our
 * mechanism. Throws {@link UpgradeError}.
 */
export function checkRequest(head: Head, mechanism: MechanismName): Request {
  const m = /^GET (\S+) HTTP\/1\.1$/.exec(head.line);
  if (m === null) throw new UpgradeError(`not a WebSocket upgrade request: "${head.line.slice(0, 80)}"`);
  const h = head.headers;
  if (h.get("upgrade")?.toLowerCase() !== "websocket") throw new UpgradeError("missing Upgrade: websocket");
  if (!hasToken(h.get("connection"), "upgrade")) throw new UpgradeError("missing Connection: Upgrade");
  const key = h.get("sec-websocket-key");
  if (key === undefined || key === "") throw new UpgradeError("missing Sec-WebSocket-Key");
  const offered = h.get("sec-websocket-protocol");
  const protocol = offered === undefined ? null : selectProtocol(offered, mechanism);
  if (protocol === null) {
    throw new UpgradeError(`no acceptable ZWS subprotocol for mechanism ${mechanism} in "${offered ?? ""}"`);
  }
  return { path: m[1]!, key, protocol };
}

/** The 101 response (docs/ws-notes.md §8). */
export function buildResponse(accept: string, protocol: string): Buffer {
  return Buffer.from(
    "HTTP/1.1 101 Switching Protocols\r\n" +
      "Upgrade: websocket\r\n" +
      "Connection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${accept}\r\n` +
      `Sec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
    "latin1",
  );
}

/** A refusal: a status line and a short reason, then the connection closes. */
export function buildRefusal(status: number, reason: string): Buffer {
  const text = status === 431 ? "Request Header Fields Too Large" : "Bad Request";
  const body = `${reason}\n`;
  return Buffer.from(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    "utf8",
  );
}

/** Check the server's response; returns the protocol it chose. Throws {@link UpgradeError}. */
export function checkResponse(head: Head, expectedAccept: string, offered: readonly string[]): ZwsProtocol {
  if (!/^HTTP\/1\.1 +101( |$)/.test(head.line)) {
    throw new UpgradeError(`server refused the WebSocket upgrade: "${head.line.slice(0, 80)}"`, 0);
  }
  const h = head.headers;
  if (h.get("upgrade")?.toLowerCase() !== "websocket") throw new UpgradeError("101 without Upgrade: websocket", 0);
  if (!hasToken(h.get("connection"), "upgrade")) throw new UpgradeError("101 without Connection: Upgrade", 0);
  if (h.get("sec-websocket-accept") !== expectedAccept) throw new UpgradeError("wrong Sec-WebSocket-Accept", 0);
  const chosen = h.get("sec-websocket-protocol") ?? "";
  const protocol = acceptedProtocol(chosen, offered);
  if (protocol === null) throw new UpgradeError(`server chose subprotocol "${chosen}", not one offered`, 0);
  return protocol;
}
