/**
 * The package's CommonJS entry ("exports" → "require"). It loads the same ES module instance that `import`
 * gets (Node >= 20.19 can `require()` an ES module), so an application that both requires and imports
 * zocket shares one default context and one inproc registry instead of two copies.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS module loads with require
import zocket = require("./index.ts");

export = zocket;
