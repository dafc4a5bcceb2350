/**
 * The datagram forms of the draft sockets over udp (docs/drafts-notes.md §20, §23). Pure: no I/O.
 *
 * - RADIO/DISH: one message is one datagram, `u8 L | L bytes of group | body`.
 * - DGRAM: the datagram is the body; the message's first frame is the peer's address, `"a.b.c.d:port\0"`
 *   when received, parsed as libzmq parses it when sent (last `:`, `inet_addr`, `atoi`).
 *
 * The limits protect libzmq 4.3.x peers (§21): their UDP engine overflows its 8192-byte buffer on send,
 * truncates above it on receive, and aborts on a group length byte of 0x80 or more.
 */
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";

/** libzmq's MAX_UDP_MSG: the largest RADIO/DISH datagram a libzmq 4.3.x peer takes whole. */
export const MAX_GROUP_DATAGRAM = 8192;
/** The largest group a libzmq 4.3.x UDP DISH survives (it reads the length byte as a signed char). */
export const MAX_UDP_GROUP = 127;
/** The largest UDP payload over IPv4 (65535 − 8 bytes of UDP header − 20 of IP header). */
export const MAX_UDP_PAYLOAD = 65507;

/** The length bytes 0..255, made once: a datagram is sent as `[LENGTH[L], group, body]`, no copy. */
const LENGTH: readonly Buffer[] = Array.from({ length: 256 }, (_, i) => Buffer.from([i]));

/** Why `[group, body]` cannot go out as one udp datagram to libzmq-compatible dishes, or null. */
export function refuseGroupDatagram(group: Buffer, body: Buffer): ZmqError | null {
  if (group.length > MAX_UDP_GROUP) {
    return new ZmqError(
      "EINVAL",
      `group of ${group.length} bytes: over udp a group is at most ${MAX_UDP_GROUP} bytes ` +
        "(a libzmq 4.3 DISH aborts on longer ones); use a shorter group or tcp",
    );
  }
  const size = 1 + group.length + body.length;
  if (size > MAX_GROUP_DATAGRAM) {
    return new ZmqError(
      "EMSGSIZE",
      `a udp RADIO message is at most ${MAX_GROUP_DATAGRAM} bytes with its group (libzmq's limit); this one ` +
        `is ${size}: send less, or use tcp`,
    );
  }
  return null;
}

/** Why `body` cannot go out as one raw (DGRAM) datagram, or null. */
export function refuseRawDatagram(body: Buffer): ZmqError | null {
  if (body.length <= MAX_UDP_PAYLOAD) return null;
  return new ZmqError(
    "EMSGSIZE",
    `a udp datagram carries at most ${MAX_UDP_PAYLOAD} bytes; this one has ${body.length}`,
  );
}

/** The buffers of one RADIO datagram, to hand to a gathering send (no copy of group or body). */
export function encodeGroupDatagram(group: Buffer, body: Buffer): Buffer[] {
  return [LENGTH[group.length]!, group, body];
}

/**
 * A RADIO/DISH datagram as `[group, body]` (views into `data`), or null when it is malformed: empty, or
 * its length byte (read unsigned) runs past the end. Any other datagram is well-formed.
 */
export function decodeGroupDatagram(data: Buffer): [Buffer, Buffer] | null {
  if (data.length === 0) return null;
  const end = 1 + data[0]!;
  if (end > data.length) return null;
  return [data.subarray(1, end), data.subarray(end)];
}

/** A DGRAM address frame: `"host:port"` plus the NUL libzmq appends (IPv6 hosts in brackets). */
export function formatRawAddress(host: string, port: number, ipv6: boolean): Buffer {
  return Buffer.from(ipv6 ? `[${host}]:${port}\0` : `${host}:${port}\0`, "latin1");
}

/** Where a DGRAM message goes. */
export interface RawAddress {
  host: string;
  port: number;
  ipv6: boolean;
}

/**
 * The destination of a DGRAM message, from its address frame as libzmq reads it
 * (`udp_engine.cpp` resolve_raw_address): split at the last `:`, the host through `inet_addr` (dotted
 * IPv4 in any of its forms, no names; 255.255.255.255 refused), the port through `atoi` as a u16, never 0;
 * a trailing NUL is fine. zocket also takes `[ipv6]:port`. Null: the message is dropped silently.
 */
export function parseRawAddress(frame: Buffer): RawAddress | null {
  const text = frame.toString("latin1");
  const colon = text.lastIndexOf(":");
  if (colon === -1) return null;
  const port = atoiU16(text.slice(colon + 1));
  if (port === 0) return null;
  const hostText = text.slice(0, colon);
  if (hostText.startsWith("[") && hostText.endsWith("]")) {
    const host = hostText.slice(1, -1);
    return /^[0-9a-fA-F:.]+(%[\w.-]+)?$/.test(host) && host.includes(":") ? { host, port, ipv6: true } : null;
  }
  const addr = inetAddr(hostText);
  if (addr === null || addr === 0xffffffff) return null;
  const host = `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
  return { host, port, ipv6: false };
}

/** C's `atoi` cast to uint16_t: leading blanks, a sign, digits up to the first non-digit. */
function atoiU16(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d*)/.exec(s)!;
  let n = 0;
  for (const ch of m[2]!) n = (n * 10 + (ch.charCodeAt(0) - 48)) % 0x10000;
  return m[1] === "-" ? (0x10000 - n) % 0x10000 : n;
}

/**
 * POSIX `inet_addr`/`inet_aton`: 1 to 4 numbers (decimal, 0-octal or 0x-hex) separated by dots, the last
 * filling the remaining bytes ("127.1" is 127.0.0.1). Null when malformed.
 */
function inetAddr(s: string): number | null {
  const parts = s.split(".");
  if (parts.length > 4) return null;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(p)) n = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) n = parseInt(p, 8);
    else if (/^[1-9]\d*$/.test(p)) n = Number(p);
    else return null;
    if (!Number.isFinite(n)) return null;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 2 ** (8 * (4 - nums.length))) return null;
  let addr = 0;
  for (let i = 0; i < nums.length; i++) addr += nums[i]! * 2 ** (8 * (3 - i));
  return addr + last;
}
