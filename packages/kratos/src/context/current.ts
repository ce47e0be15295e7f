import { AsyncLocalStorage } from "node:async_hooks";
import type { Context } from "./context.js";

// One store for the whole process: both transports run every request's middleware chain inside it.
const scope = new AsyncLocalStorage<Context>();

/**
 * currentContext returns the Context of the request whose code is running, wherever it is called from: a log
 * line, a database driver, an outgoing client call. It is undefined outside a request (start-up, migrations).
 *
 * @example
 * const ctx = currentContext();
 * if (ctx) serverMetadataOf(ctx).get("x-md-global-tenant");
 */
export function currentContext(): Context | undefined {
  return scope.getStore();
}

/** runInContext runs fn, and everything it starts, as part of ctx's request; transports call it. */
export function runInContext<R>(ctx: Context, fn: () => R): R {
  return scope.run(ctx, fn);
}
