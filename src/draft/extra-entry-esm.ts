/** The `zocket/draft-extra` ES module entry ("exports" → "import"): draft-extra.ts plus a default export. */
import * as extra from "../draft-extra.ts";

export * from "../draft-extra.ts";
export default extra;
