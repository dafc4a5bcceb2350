/**
 * Socket options: zeromq.js's property names and libzmq's defaults, checked at the call.
 * A wrong type or range throws EINVAL with a message naming the option and what it takes.
 */
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";

export type OptionKind = "int" | "bool" | "string" | "key" | "routingId";

export interface OptionSpec {
  kind: OptionKind;
  default: number | boolean | string | null;
  /** Smallest accepted integer (ints only). */
  min?: number;
  max?: number;
  /** What the value means, for error messages. */
  hint?: string;
}

const ms = (def: number, min = -1, hint = "milliseconds, -1 = default/forever"): OptionSpec => ({ kind: "int", default: def, min, hint });
const int = (def: number, min = 0, hint?: string): OptionSpec => (hint ? { kind: "int", default: def, min, hint } : { kind: "int", default: def, min });
const bool = (def = false): OptionSpec => ({ kind: "bool", default: def });
const str = (): OptionSpec => ({ kind: "string", default: null });

/** Options every socket has (zeromq.js `Socket` + `Writable`/`Readable`). */
export const SOCKET_OPTIONS: Record<string, OptionSpec> = {
  affinity: int(0),
  rate: int(100, 1),
  recoveryInterval: int(10000),
  linger: ms(-1),
  reconnectInterval: ms(100),
  backlog: int(100),
  reconnectMaxInterval: int(0),
  maxMessageSize: int(-1, -1, "bytes, -1 = no limit"),
  tcpKeepalive: int(-1, -1, "-1 = OS default, 0 = off, 1 = on"),
  tcpKeepaliveCount: int(-1, -1),
  tcpKeepaliveIdle: int(-1, -1, "seconds, -1 = OS default"),
  tcpKeepaliveInterval: int(-1, -1),
  tcpAcceptFilter: str(),
  immediate: bool(),
  ipv6: bool(),
  plainServer: bool(),
  plainUsername: str(),
  plainPassword: str(),
  curveServer: bool(),
  curvePublicKey: { kind: "key", default: null },
  curveSecretKey: { kind: "key", default: null },
  curveServerKey: { kind: "key", default: null },
  zapDomain: str(),
  typeOfService: int(0),
  handshakeInterval: ms(30000, 0, "milliseconds, 0 = no limit"),
  socksProxy: str(),
  heartbeatInterval: ms(0, 0, "milliseconds, 0 = off"),
  heartbeatTimeToLive: { kind: "int", default: 0, min: 0, max: 6553500, hint: "milliseconds, 0..6553500" },
  heartbeatTimeout: ms(-1),
  connectTimeout: ms(0, 0, "milliseconds, 0 = OS default"),
  tcpMaxRetransmitTimeout: int(0),
  multicastMaxTransportDataUnit: int(1500),
  interface: str(),
  zapEnforceDomain: bool(),
  loopbackFastPath: bool(),
  sendHighWaterMark: int(1000, 0, "messages, 0 = no limit"),
  receiveHighWaterMark: int(1000, 0, "messages, 0 = no limit"),
  sendTimeout: ms(-1),
  receiveTimeout: ms(-1),
  sendBufferSize: int(-1, -1),
  receiveBufferSize: int(-1, -1),
  multicastHops: int(1, -1),
};

export type OptionValue = number | boolean | string | Buffer | null;

/** Validate a value for an option; returns the value to store. */
export function checkOption(name: string, spec: OptionSpec, value: unknown, typeName: string): OptionValue {
  switch (spec.kind) {
    case "int": {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new ZmqError("EINVAL", `Option ${name} of ${typeName} must be a number${spec.hint ? ` (${spec.hint})` : ""}, got ${describe(value)}`);
      }
      if (!Number.isInteger(value)) throw new ZmqError("EINVAL", `Option ${name} must be an integer, got ${value}`);
      if (spec.min !== undefined && value < spec.min) {
        throw new ZmqError("EINVAL", `Option ${name} must be >= ${spec.min}${spec.hint ? ` (${spec.hint})` : ""}, got ${value}`);
      }
      if (spec.max !== undefined && value > spec.max) {
        throw new ZmqError("EINVAL", `Option ${name} must be <= ${spec.max}${spec.hint ? ` (${spec.hint})` : ""}, got ${value}`);
      }
      return value;
    }
    case "bool":
      if (typeof value !== "boolean") throw new ZmqError("EINVAL", `Option ${name} of ${typeName} must be a boolean, got ${describe(value)}`);
      return value;
    case "string":
      if (value === null || value === undefined) return null;
      if (typeof value === "string") return value;
      if (Buffer.isBuffer(value)) return value.toString("utf8");
      throw new ZmqError("EINVAL", `Option ${name} of ${typeName} must be a string or null, got ${describe(value)}`);
    case "routingId": {
      if (value === null || value === undefined) return null;
      const b = typeof value === "string" ? Buffer.from(value) : Buffer.isBuffer(value) ? value : null;
      if (b === null) throw new ZmqError("EINVAL", `Option ${name} must be a string, Buffer or null, got ${describe(value)}`);
      if (b.length < 1 || b.length > 255) throw new ZmqError("EINVAL", `Option ${name} must be 1 to 255 bytes long, got ${b.length}`);
      return Buffer.from(b);
    }
    case "key":
      // Decoded by the socket (it needs the Z85 codec); here only the type.
      if (value === null || value === undefined) return null;
      if (typeof value === "string" || Buffer.isBuffer(value) || value instanceof Uint8Array) return value as string | Buffer;
      throw new ZmqError("EINVAL", `Option ${name} must be a 40-character Z85 string or 32 bytes, got ${describe(value)}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return `string "${v.length > 20 ? v.slice(0, 20) + "…" : v}"`;
  return typeof v;
}
