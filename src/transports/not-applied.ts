/**
 * Options a transport accepts but Node.js gives no way to apply (docs/compatibility.md, "Options Node.js
 * cannot apply"): never applied silently, each one warns once per process.
 */
const warned = new Set<string>();

/**
 * Say once per process, per option, that a value was accepted and not applied (never silently). Tests
 * read the code `ZOCKET_OPTION_NOT_APPLIED` and the option's name in the message.
 */
export function warnNotApplied(option: string, why: string): void {
  if (warned.has(option)) return;
  warned.add(option);
  process.emitWarning(`zocket: option ${option} is accepted but not applied: ${why}`, {
    code: "ZOCKET_OPTION_NOT_APPLIED",
    detail: 'See docs/compatibility.md, "Options Node.js cannot apply".',
  });
}
