/**
 * The `zocket/v5-compat` ES module entry ("exports" → "import"): every export of the compat module plus a
 * default export, the namespace itself, so `import zmq from "zocket/v5-compat"` gives what
 * `require("zeromq")` gave 5.x programs.
 */
import * as compat from "./index.ts";

export * from "./index.ts";
export default compat;
