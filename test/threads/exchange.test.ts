/**
 * Issue 21's must-show for worker threads: the main thread and two workers exchange messages over
 * inproc:// and tcp — a ROUTER in the main thread answers a DEALER in each worker — and the two workers
 * talk to each other directly (PAIR). Run on zocket and on zeromq.js.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LIBS, uniqAddress, type Proto } from "../zeromqjs/helpers.ts";
import { createWorker, type Lib } from "./helpers.ts";

declare const zmq: (typeof LIBS)[number]["zmq"];

const ROUNDS = 50;

for (const { name, zmq: lib } of LIBS) {
  for (const proto of ["inproc", "tcp"] as Proto[]) {
    describe(`${name}: main thread and two workers over ${proto}`, () => {
      it("exchange requests, replies and worker-to-worker messages", async () => {
        const address = await uniqAddress(proto);
        const direct = await uniqAddress(proto);
        const router = new lib.Router({ linger: 0 });
        await router.bind(address);

        // Each worker: ROUNDS requests to the main thread, each answered; then worker "a" receives what
        // worker "b" sends it, and "b" waits for the answer.
        const work = async ({ address, direct, me, rounds }: Record<string, string | number> & { rounds: number }) => {
          const dealer = new zmq.Dealer({ linger: 0, routingId: String(me) });
          dealer.connect(String(address));
          const replies: string[] = [];
          for (let i = 0; i < rounds; i++) {
            await dealer.send(["req", `${me}:${i}`]);
            const [tag, body] = await dealer.receive();
            replies.push(`${String(tag)} ${String(body)}`);
          }
          let peer: string[] = [];
          if (me === "a") {
            const pair = new zmq.Pair({ linger: 0 });
            await pair.bind(String(direct));
            await dealer.send(["ready", "a"]);
            for (let i = 0; i < 3; i++) peer.push(String(await pair.receive()));
            await pair.send("thanks");
            pair.close();
          } else {
            const pair = new zmq.Pair({ linger: 0 });
            await dealer.receive(); // the main thread says when "a" listens
            pair.connect(String(direct));
            for (let i = 0; i < 3; i++) await pair.send(`from b ${i}`);
            peer = [String(await pair.receive())];
            pair.close();
          }
          dealer.close();
          return { replies, peer };
        };
        const which = name as Lib;
        const wa = createWorker(which, { address, direct, me: "a", rounds: ROUNDS }, work);
        const wb = createWorker(which, { address, direct, me: "b", rounds: ROUNDS }, work);

        const seen = new Map<string, number>();
        let ready = false;
        let bId: Buffer | null = null;
        let bDone = false;
        // A worker that fails ends the test at once rather than leaving the loop below waiting.
        const failed = Promise.race([wa, wb]).then(
          () => new Promise<never>(() => {}),
          (err: unknown) => Promise.reject(err),
        );
        while (seen.size < 2 || [...seen.values()].some((n) => n < ROUNDS) || !ready || !bDone) {
          const [id, tag, body] = await Promise.race([router.receive(), failed]);
          const who = String(id);

          if (String(tag) === "ready") ready = true;
          else {
            seen.set(who, (seen.get(who) ?? 0) + 1);
            await router.send([id!, "rep", String(body).toUpperCase()]);
          }
          if (who === "b" && seen.get("b") === ROUNDS) {
            bId = id!;
            bDone = true;
          }
          if (ready && bId !== null) {
            await router.send([bId, "go"]);
            bId = null;
          }
        }
        const [ra, rb] = await Promise.all([wa, wb]);
        router.close();
        assert.equal(ra.replies.length, ROUNDS);
        assert.equal(ra.replies[7], "rep A:7");
        assert.equal(rb.replies[ROUNDS - 1], `rep B:${ROUNDS - 1}`);
        assert.deepEqual(ra.peer, ["from b 0", "from b 1", "from b 2"]);
        assert.deepEqual(rb.peer, ["thanks"]);
      });
    });
  }
}
