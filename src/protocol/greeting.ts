/**
 * The ZMTP greeting and version negotiation (RFC 23 §3.1), staged exactly as libzmq stages it
 * (docs/zmtp-notes.md §1.2):
 *
 * 1. on connect/accept send 10 bytes: `ff <u64be(idlen+1)> 7f`;
 * 2. once the peer's 10 bytes are in (byte 9 bit 0 set), send our major version `03` (the engine sends
 *    1 and 2 together, see {@link Greeting.opening});
 * 3. once the peer's byte 10 is in: a ZMTP 2.0 peer (revision 01) gets our socket-type byte and the
 *    legacy framing; a 3.x peer gets the remaining 53 bytes (minor, mechanism, as-server, filler).
 *
 * Because every stage waits only for bytes libzmq sends unconditionally, this never deadlocks with
 * libzmq's own staged greeting (docs/zmtp-notes.md G3), nor with a peer that sends all 64 bytes at once.
 * Pure: fed bytes, returns bytes to send.
 */
import { Buffer } from "node:buffer";
import { ProtocolError } from "../errors.ts";
import type { MechanismName } from "./constants.ts";

const GREETING_SIZE = 64;
const SIGNATURE_SIZE = 10;
const ZMTP_MAJOR = 3;
const ZMTP_MINOR = 1;
/** RFC 15 revision byte of ZMTP 2.0. */
const REVISION_ZMTP_2_0 = 1;

export interface GreetingOptions {
  mechanism: MechanismName;
  asServer: boolean;
  /** Length of our routing id: libzmq writes u64be(idlen+1) into the padding (docs/zmtp-notes.md G2). */
  identityLength: number;
  /** Our numeric socket type, sent to ZMTP 2.0 peers. */
  socketType: number;
  /** Refuse ZMTP 2.0 peers (security downgrade guard: non-NULL mechanism or a ZAP domain). */
  refuseLegacy: boolean;
}

export interface GreetingResult {
  /** 3 for ZMTP 3.x, 2 for a ZMTP 2.0 peer (legacy framing, no commands). */
  major: number;
  /** The peer's minor version (3.x only): 0 = ZMTP 3.0, 1+ = 3.1. */
  minor: number;
  /** The peer's mechanism name (3.x only). */
  mechanism: string;
  asServer: boolean;
  /** ZMTP 2.0 only: the peer's numeric socket type. */
  peerSocketType: number;
  /** Bytes received after the greeting. */
  rest: Buffer;
}

export interface GreetingStep {
  /** Bytes to write now (possibly empty). */
  send: Buffer[];
  /** These bytes end our ZMTP 3 greeting: commands may follow them (the peer reads its greeting exactly). */
  ends?: boolean;
  /** Set once the greeting is complete. */
  done?: GreetingResult;
}

export class Greeting {
  readonly #opts: GreetingOptions;
  readonly #recv = Buffer.alloc(GREETING_SIZE);
  #have = 0;
  #sentMajor = false;
  #sentRest = false;

  constructor(opts: GreetingOptions) {
    this.#opts = opts;
  }

  /** The first 10 bytes, sent on connect or accept without waiting. */
  signature(): Buffer {
    const b = Buffer.alloc(SIGNATURE_SIZE);
    b[0] = 0xff;
    b.writeBigUInt64BE(BigInt(this.#opts.identityLength + 1), 1);
    b[9] = 0x7f;
    return b;
  }

  /**
   * What a connection sends first: the signature and our major version together. libzmq sends the major
   * only once the peer's signature shows it is not a ZMTP 1.0 peer; zocket refuses those (docs/compatibility.md),
   * so it need not wait, and each side saves a write and a round trip per connection (issue 27).
   */
  opening(): Buffer {
    const b = Buffer.alloc(SIGNATURE_SIZE + 1);
    this.signature().copy(b);
    b[SIGNATURE_SIZE] = ZMTP_MAJOR;
    this.#sentMajor = true;
    return b;
  }

  /** Feed received bytes. Throws ProtocolError for a peer we cannot talk to. */
  push(chunk: Buffer): GreetingStep {
    const send: Buffer[] = [];
    const ended = this.#sentRest;
    let used = 0;
    // Take only what the greeting needs; the rest belongs to the framing.
    while (used < chunk.length) {
      const need = this.#needed();
      if (this.#have >= need) break;
      const take = Math.min(need - this.#have, chunk.length - used);
      chunk.copy(this.#recv, this.#have, used, used + take);
      this.#have += take;
      used += take;
      const done = this.#advance(send);
      if (done) {
        done.rest = chunk.subarray(used);
        return { send, done, ends: this.#endsNow(ended) };
      }
    }
    return { send, ends: this.#endsNow(ended) };
  }

  /** This push sent the last 53 bytes of our ZMTP 3 greeting (`ended`: they had left before it). */
  #endsNow(ended: boolean): boolean {
    return !ended && this.#sentRest && this.#recv[10]! >= ZMTP_MAJOR;
  }

  /** How many bytes the greeting needs in total, given what we know so far. */
  #needed(): number {
    if (this.#have < SIGNATURE_SIZE) return SIGNATURE_SIZE;
    if (this.#have < 11) return 11;
    return this.#recv[10]! < ZMTP_MAJOR ? 12 : GREETING_SIZE;
  }

  #advance(send: Buffer[]): GreetingResult | undefined {
    const r = this.#recv;
    if (this.#have >= 1 && r[0] !== 0xff) {
      throw new ProtocolError(
        "ERR_ZMTP_UNSPECIFIED",
        "peer speaks ZMTP 1.0 (unversioned), which zocket does not support",
      );
    }
    if (this.#have < SIGNATURE_SIZE) return undefined;
    if ((r[9]! & 1) === 0) {
      throw new ProtocolError(
        "ERR_ZMTP_UNSPECIFIED",
        "peer speaks ZMTP 1.0 (unversioned), which zocket does not support",
      );
    }
    if (!this.#sentMajor) {
      this.#sentMajor = true;
      send.push(Buffer.from([ZMTP_MAJOR]));
    }
    if (this.#have < 11) return undefined;
    const major = r[10]!;
    if (major < ZMTP_MAJOR) {
      if (major !== REVISION_ZMTP_2_0) {
        throw new ProtocolError(
          "ERR_ZMTP_UNSPECIFIED",
          `peer speaks ZMTP revision ${major}, which zocket does not support`,
        );
      }
      if (this.#opts.refuseLegacy) {
        // libzmq: a ZMTP 2.0 peer cannot do security, so it is refused when a mechanism or ZAP domain is set.
        // libzmq closes such a peer without a handshake event (zeromq.js shows only "disconnect"): `quiet`.
        const err = new ProtocolError("ERR_ZMTP_MECHANISM_MISMATCH", "ZMTP 2.0 peer refused: security is configured");
        throw Object.assign(err, { quiet: true });
      }
      if (!this.#sentRest) {
        this.#sentRest = true;
        send.push(Buffer.from([this.#opts.socketType]));
      }
      if (this.#have < 12) return undefined;
      return { major: 2, minor: 0, mechanism: "NULL", asServer: false, peerSocketType: r[11]!, rest: EMPTY };
    }
    if (!this.#sentRest) {
      this.#sentRest = true;
      const rest = Buffer.alloc(GREETING_SIZE - 11);
      rest[0] = ZMTP_MINOR;
      rest.write(this.#opts.mechanism, 1, "latin1");
      rest[21] = this.#opts.asServer ? 1 : 0;
      send.push(rest);
    }
    if (this.#have < GREETING_SIZE) return undefined;
    const mechBytes = r.subarray(12, 32);
    const nul = mechBytes.indexOf(0);
    // libzmq compares all 20 bytes (docs/zmtp-notes.md G4): junk after the NUL padding makes the name
    // match nothing.
    const clean = nul === -1 || mechBytes.subarray(nul).every((b) => b === 0);
    return {
      major,
      minor: r[11]!,
      mechanism: mechBytes.toString("latin1", 0, clean && nul !== -1 ? nul : 20),
      asServer: r[32] === 1,
      peerSocketType: -1,
      rest: EMPTY,
    };
  }
}

const EMPTY = Buffer.alloc(0);
