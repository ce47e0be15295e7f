import { ErrDeadlineExceeded } from "../errors/abort.js";
import type { Handler } from "../middleware/middleware.js";

/**
 * withinDeadline makes a service method answer by its request's deadline: it settles as the method does,
 * unless ctx.deadline passes first, when it rejects at once with 504 DEADLINE_EXCEEDED (gRPC
 * DEADLINE_EXCEEDED), which the middleware outside see and the client gets, before ctx.signal aborts to tell
 * the method to abandon its work; what the method answers then is dropped. Both transports wrap every method
 * in it, inside the middleware chain. It costs the request a timer (ctx.onExpire), not an AbortSignal.
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
    if (ctx.deadline <= Date.now()) {
      // Its outcome is dropped; a rejection of it must not go unhandled.
      work.catch(() => {});
      return Promise.reject(ErrDeadlineExceeded);
    }
    return new Promise((resolve, reject) => {
      const forget = ctx.onExpire(() => reject(ErrDeadlineExceeded));
      work.then(
        (reply) => {
          forget();
          resolve(reply);
        },
        (err: unknown) => {
          forget();
          reject(err);
        },
      );
    });
  };
}
