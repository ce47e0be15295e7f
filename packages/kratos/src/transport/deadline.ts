import { untilAborted } from "../errors/abort.js";
import type { Handler } from "../middleware/middleware.js";

/**
 * withinDeadline makes a service method answer by its request's deadline: it settles as the method does,
 * unless ctx.signal aborts first (the deadline, or the client gone), when it rejects at once with 504
 * DEADLINE_EXCEEDED (gRPC DEADLINE_EXCEEDED) or 499 CANCELED, which the middleware outside see and the client
 * gets. The method's own result is dropped then; the aborted signal tells it to abandon its work. Both
 * transports wrap every method in it, inside the middleware chain.
 *
 * @example
 * const handler = chain(...middleware)(withinDeadline((ctx, req) => impl.sayHello(ctx, req)));
 */
export function withinDeadline(method: Handler): Handler {
  return (ctx, req) => {
    let work: Promise<unknown>;
    try {
      work = method(ctx, req);
    } catch (err) {
      return Promise.reject(err);
    }
    return untilAborted(ctx.signal, work);
  };
}
