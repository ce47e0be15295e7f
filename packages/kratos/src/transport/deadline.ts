import { ErrDeadlineExceeded } from "../errors/abort.js";
import type { Handler } from "../middleware/middleware.js";
import { setLongTimeout } from "../timer.js";

/**
 * withinDeadline makes a service method answer by its request's deadline: it settles as the method does,
 * unless ctx.deadline passes first, when it rejects at once with 504 DEADLINE_EXCEEDED (gRPC
 * DEADLINE_EXCEEDED), which the middleware outside see and the client gets. The method's own result is
 * dropped then; ctx.signal, aborted at the same deadline, tells it to abandon its work. Both transports wrap
 * every method in it, inside the middleware chain. It costs a timer, not an AbortSignal, per request.
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
    const remaining = ctx.deadline - Date.now();
    if (remaining <= 0) {
      // Its outcome is dropped; a rejection of it must not go unhandled.
      work.catch(() => {});
      return Promise.reject(ErrDeadlineExceeded);
    }
    return new Promise((resolve, reject) => {
      const cancel = setLongTimeout(() => reject(ErrDeadlineExceeded), remaining);
      work.then(
        (reply) => {
          cancel();
          resolve(reply);
        },
        (err: unknown) => {
          cancel();
          reject(err);
        },
      );
    });
  };
}
