/**
 * The NULL mechanism (RFC 23 §3.5, as libzmq does it): send READY at once without waiting for the
 * peer's (docs/zmtp-notes.md G5), accept the peer's READY in any order. ZAP is asked only when a ZAP
 * domain is set; then our READY waits for the reply (libzmq `null_mechanism.cpp`).
 */
import { AuthError, ProtocolError } from "../errors.ts";
import { isCommand, parseCommand, parseErrorReason, parseProperties } from "../protocol/command.ts";
import type { Mechanism, MechanismHost, ZapReply } from "./mechanism.ts";
import { authStatusOf, settleZapReply } from "./zap.ts";

export class NullMechanism implements Mechanism {
  readonly name = "NULL" as const;
  readonly encrypts = false;
  readonly #host: MechanismHost;
  #sentReady = false;
  #peerReady = false;
  #done = false;
  userId?: string;
  zapMetadata?: Array<[string, Buffer]>;

  constructor(host: MechanismHost) {
    this.#host = host;
  }

  start(): void {
    const domain = this.#host.security.zapDomain;
    if (domain !== null && domain !== "") {
      void this.#host
        .zap({
          domain,
          address: this.#host.peerAddress,
          identity: this.#host.localRoutingId,
          mechanism: "NULL",
          credentials: [],
        })
        .then((reply) => this.#onZap(reply));
      return;
    }
    this.#sendReady();
  }

  #onZap(reply: ZapReply | null): void {
    if (this.#done) return;
    if (reply === null) {
      // No handler: proceed, unless the domain is enforced (ZMQ_ZAP_ENFORCE_DOMAIN).
      if (this.#host.security.zapEnforceDomain) {
        this.#done = true;
        this.#host.fail(new AuthError(500, "ZAP domain enforced but no ZAP handler is bound"), "auth");
        return;
      }
    } else if (!settleZapReply(this.#host, reply, "NULL")) {
      // 300 closed silently, 400/500 sent ERROR first (libzmq zap_client.cpp), as for PLAIN and CURVE.
      this.#done = true;
      return;
    } else {
      this.userId = reply.userId;
      this.zapMetadata = reply.metadata;
    }
    this.#sendReady();
  }

  #sendReady(): void {
    this.#sentReady = true;
    this.#host.sendCommand(this.#host.readyCommand());
    this.#maybeDone();
  }

  onCommand(body: Buffer): void {
    if (isCommand(body, "READY")) {
      if (this.#peerReady) throw new ProtocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "peer sent READY twice");
      const props = parseProperties(body.subarray(6));
      const err = this.#host.acceptPeerProperties(props);
      if (err) throw err;
      this.#peerReady = true;
      this.#maybeDone();
      return;
    }
    if (isCommand(body, "ERROR")) {
      this.#done = true;
      const reason = parseErrorReason(body.subarray(6));
      this.#host.fail(new AuthError(authStatusOf(reason), `peer refused the handshake: ${reason}`), "auth");
      return;
    }
    const cmd = parseCommand(body);
    throw new ProtocolError(
      "ERR_ZMTP_UNEXPECTED_COMMAND",
      `unexpected command ${cmd ? cmd.name : "(malformed)"} during NULL handshake`,
    );
  }

  #maybeDone(): void {
    if (this.#sentReady && this.#peerReady && !this.#done) {
      this.#done = true;
      this.#host.ready();
    }
  }
}
