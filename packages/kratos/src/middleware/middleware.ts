import type { Context } from "../context/context.js";

/** Handler serves one request on either transport. */
export type Handler<Req = unknown, Reply = unknown> = (ctx: Context, req: Req) => Promise<Reply>;

/** Middleware wraps a handler, as Kratos middleware does. */
export type Middleware = (next: Handler) => Handler;

/**
 * invoke calls next and returns its promise, a synchronous throw as a rejection, so middleware written with
 * then() (a promise fewer per request than async/await) sees every failure.
 */
export function invoke<Req, Reply>(next: Handler<Req, Reply>, ctx: Context, req: Req): Promise<Reply> {
  try {
    return next(ctx, req);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** chain composes middleware so that the first one given runs outermost. */
export function chain(...middleware: Middleware[]): Middleware {
  return (next) => middleware.reduceRight<Handler>((handler, m) => m(handler), next);
}
