/**
 * src/util/shared-context.ts in the browser build: a page's default context is its own (no worker shares
 * it, and SharedArrayBuffer needs cross-origin isolation), so there is nothing to share.
 */
import type { Context } from "../context.ts";

export function shareDefaultContext(_ctx: Context, _values: Record<string, unknown>): void {}
