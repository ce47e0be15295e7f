import type { Context } from "../context/context.js";

/** Handler serves one request on either transport. */
export type Handler<Req = unknown, Reply = unknown> = (ctx: Context, req: Req) => Promise<Reply>;

/** Middleware wraps a handler, as Kratos middleware does. */
export type Middleware = (next: Handler) => Handler;

/** chain composes middleware so that the first one given runs outermost. */
export function chain(...middleware: Middleware[]): Middleware {
  return (next) => middleware.reduceRight<Handler>((handler, m) => m(handler), next);
}
