/**
 * The package's ES module entry ("exports" → "import"): every named export of index.ts plus a default export,
 * the namespace itself, so `import zmq from "zocket"` works where zeromq.js gives `undefined` to many setups.
 */
import * as zocket from "./index.ts";

export * from "./index.ts";
export default zocket;
