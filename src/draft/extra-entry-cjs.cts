/** The `zocket/draft-extra` CommonJS entry ("exports" → "require"): the ES module instance `import` gets. */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS module loads with require
import extra = require("../draft-extra.ts");

export = extra;
