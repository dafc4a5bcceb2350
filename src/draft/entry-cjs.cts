/**
 * The `zocket/draft` CommonJS entry ("exports" → "require"). Like the main entry it loads the ES module
 * instance `import` gets, so both share zocket's one default context.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS module loads with require
import draft = require("../draft.ts");

export = draft;
