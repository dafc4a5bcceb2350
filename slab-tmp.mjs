const lib = await import("./dist/index.js");
const p = new lib.Publisher(); await p.bind("tcp://127.0.0.1:*");
const subs = []; for (let i = 0; i < 9; i++) { const s = new lib.Subscriber(); s.subscribe(); s.connect(p.lastEndpoint); subs.push(s); }
await new Promise((r) => setTimeout(r, 500));
let n = 0; subs.map(async (s) => { for (;;) { await s.receive(); n++; } });
const t0 = Date.now(); let sent = 0;
while (Date.now() - t0 < 4000) { const due = Math.floor((Date.now()-t0)/1000*5000); while (sent < due) { await p.send(Buffer.allocUnsafe(1024)); sent++; } await new Promise((r) => setTimeout(r, 10)); }
const g = globalThis; console.log("reads", g.__reads, "bytes", g.__bytes, "avg", (g.__bytes/g.__reads).toFixed(0), "scratch", g.__scratch, "slabs", g.__slabs, "ext", (process.memoryUsage().external/1048576).toFixed(1));
process.exit(0);
