/**
 * The `zocket/draft` ES module entry ("exports" → "import"): every export of draft.ts plus a default export,
 * the namespace itself, as the main entry has.
 */
import * as draft from "../draft.ts";

export * from "../draft.ts";
export default draft;
