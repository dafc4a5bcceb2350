/**
 * Listening descriptors a process inherits: systemd socket activation (`sd_listen_fds`: LISTEN_PID,
 * LISTEN_FDS, LISTEN_FDNAMES; descriptors from 3 on) and libzmq's ZMQ_USE_FD (`useFd`).
 *
 * Node.js cannot getsockname() a bare descriptor, so the address of each one is read from Linux's /proc:
 * /proc/self/fd/N names the socket's inode, and /proc/net/{tcp,tcp6,unix} give the inode's local address.
 * The matching rule (README, "Socket activation"): a bind() of
 * - `tcp://host:port` takes the inherited tcp listener on that port whose address is `host`, or a wildcard
 *   (0.0.0.0, ::) one; `tcp://*:port` takes the one on that port whatever its address;
 * - `ipc://path` (`ipc://@name`) takes the inherited Unix listener bound to that path (abstract name);
 * each descriptor once: after unbind() or close() it is closed, and a later bind() makes a new socket.
 * Ephemeral ports (`:*`, `:0`) never match. Outside Linux, or when /proc is not readable, only `useFd`
 * adopts a descriptor.
 */
import * as fs from "node:fs";
import { ZmqError } from "../errors.ts";
import type { Endpoint } from "./endpoint.ts";

type NetEndpoint = Extract<Endpoint, { transport: "tcp" | "ipc" }>;

/** What an inherited descriptor is listening on, as far as /proc tells. */
export interface DescriptorAddress {
  kind: "tcp" | "unix";
  /** tcp: the IP (IPv6 without brackets); unix: the path, `@name` for the abstract namespace. */
  address: string;
  /** tcp only. */
  port: number;
}

export interface InheritedFd {
  fd: number;
  /** Its LISTEN_FDNAMES entry ("unknown" when systemd gave none). */
  name: string;
  /** null when /proc cannot tell. */
  local: DescriptorAddress | null;
  claimed: boolean;
}

let inherited: InheritedFd[] | null = null;

/** The descriptors systemd passed to this process (none unless LISTEN_PID is this process). */
export function systemdDescriptors(): InheritedFd[] {
  return (inherited ??= readListenFds(process.env, process.pid));
}

/** sd_listen_fds: the descriptors of LISTEN_FDS (from 3 on) if LISTEN_PID is `pid`, with their addresses. */
export function readListenFds(env: NodeJS.ProcessEnv, pid: number): InheritedFd[] {
  const out: InheritedFd[] = [];
  const count = Number(env["LISTEN_FDS"] ?? "0");
  if (env["LISTEN_PID"] !== String(pid) || !Number.isInteger(count) || count <= 0) return out;
  const names = (env["LISTEN_FDNAMES"] ?? "").split(":");
  for (let i = 0; i < count; i++) {
    const fd = 3 + i;
    out.push({ fd, name: names[i] || "unknown", local: describeDescriptor(fd), claimed: false });
  }
  return out;
}

/** The inherited descriptor a bind of `ep` adopts (marked claimed), or null. */
export function claimInherited(ep: NetEndpoint): InheritedFd | null {
  for (const d of systemdDescriptors()) {
    if (!d.claimed && d.local !== null && matches(d.local, ep)) {
      d.claimed = true;
      return d;
    }
  }
  return null;
}

function matches(local: DescriptorAddress, ep: NetEndpoint): boolean {
  if (ep.transport === "ipc") return local.kind === "unix" && local.address === ep.path;
  if (local.kind !== "tcp" || ep.anyPort || local.port !== ep.port) return false;
  if (ep.host === "*" || local.address === "0.0.0.0" || local.address === "::") return true;
  const plain = (a: string): string => (a.startsWith("::ffff:") ? a.slice(7) : a).toLowerCase();
  return plain(local.address) === plain(ep.host);
}

/** The local address of a listening socket descriptor, from /proc (Linux); null if it cannot be told. */
export function describeDescriptor(fd: number): DescriptorAddress | null {
  let inode: string;
  try {
    const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`));
    if (m === null) return null;
    inode = m[1]!;
  } catch {
    return null;
  }
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const found = findTcp(file, inode);
    if (found !== null) return found;
  }
  return findUnix(inode);
}

function lines(file: string): string[] {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(1);
  } catch {
    return [];
  }
}

/** A /proc/net/tcp{,6} row: `sl local_address rem_address st ... inode`; addresses in hex, little-endian words. */
function findTcp(file: string, inode: string): DescriptorAddress | null {
  for (const line of lines(file)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[9] !== inode) continue;
    const [hexIp, hexPort] = f[1]!.split(":") as [string, string];
    return { kind: "tcp", address: hexToIp(hexIp), port: parseInt(hexPort, 16) };
  }
  return null;
}

function hexToIp(hex: string): string {
  const bytes: number[] = [];
  // Each 32-bit word is in host (little-endian) order.
  for (let w = 0; w < hex.length; w += 8) {
    const word = hex.slice(w, w + 8);
    for (let b = 6; b >= 0; b -= 2) bytes.push(parseInt(word.slice(b, b + 2), 16));
  }
  if (bytes.length === 4) return bytes.join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  const text = groups.join(":");
  if (text === "0:0:0:0:0:0:0:0") return "::";
  if (text.startsWith("0:0:0:0:0:ffff:")) return `::ffff:${bytes.slice(12).join(".")}`;
  return text.replace(/(^|:)0(:0)+(:|$)/, "::");
}

/** A /proc/net/unix row: `Num RefCount Protocol Flags Type St Inode Path`. */
function findUnix(inode: string): DescriptorAddress | null {
  for (const line of lines("/proc/net/unix")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[6] !== inode) continue;
    const address = f.slice(7).join(" ");
    // An abstract name bound with its whole sun_path shows its NUL padding as trailing '@'s.
    return { kind: "unix", address: address.startsWith("@") ? address.replace(/@+$/, "") || "@" : address, port: 0 };
  }
  return null;
}

/**
 * The descriptor a bind of `ep` listens on instead of making a socket: `useFd` (checked to be of the
 * endpoint's kind when /proc can tell), else a systemd one that matches. null: make a socket as usual.
 */
export function descriptorFor(ep: NetEndpoint, useFd: number): { fd: number; local: DescriptorAddress | null } | null {
  if (useFd >= 0) {
    const local = describeDescriptor(useFd);
    const want = ep.transport === "tcp" ? "tcp" : "unix";
    if (local !== null && local.kind !== want) {
      throw new ZmqError("EINVAL", `useFd ${useFd} is a ${local.kind} socket, not one for ${ep.address}`, {
        address: ep.address,
      });
    }
    return { fd: useFd, local };
  }
  const d = claimInherited(ep);
  return d === null ? null : { fd: d.fd, local: d.local };
}

/** A systemd descriptor whose listen failed may be matched again. */
export function unclaim(fd: number): void {
  for (const d of systemdDescriptors()) if (d.fd === fd) d.claimed = false;
}

/** The endpoint an adopted descriptor reports (lastEndpoint): its real address, else the one written. */
export function adoptedEndpoint(ep: NetEndpoint, local: DescriptorAddress | null, bound: unknown): string {
  const info = bound as { address?: string; port?: number } | null;
  if (ep.transport === "tcp" && info !== null && typeof info === "object" && typeof info.port === "number") {
    const a = info.address ?? "0.0.0.0";
    return `tcp://${a.includes(":") ? `[${a}]` : a}:${info.port}`;
  }
  if (local !== null && local.kind === "tcp") {
    return `tcp://${local.address.includes(":") ? `[${local.address}]` : local.address}:${local.port}`;
  }
  if (local !== null && local.kind === "unix" && local.address !== "") return `ipc://${local.address}`;
  return ep.address;
}
