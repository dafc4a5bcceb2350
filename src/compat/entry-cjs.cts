/**
 * The `zocket/v5-compat` CommonJS entry ("exports" → "require"). Like the main entry it loads the ES module
 * instance `import` gets, so sockets made through either share zocket's one default context.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS module loads with require
import compat = require("./index.ts");

export = compat;
