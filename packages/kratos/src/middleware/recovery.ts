import { publicError } from "../errors/public.js";
import type { Logger } from "../log/logger.js";
import type { Middleware } from "./middleware.js";

/**
 * recovery turns anything a handler throws that is not a KratosError into a 500 UNKNOWN, logged with
 * its stack, so the middleware outside it already see the error the client will get.
 *
 * @example
 * new HTTPServer({ address: ":8000", timeout: 1000, logger, middleware: [recovery(logger)] });
 */
export function recovery(logger: Logger): Middleware {
  return (next) => async (ctx, req) => {
    try {
      return await next(ctx, req);
    } catch (err) {
      throw publicError(err, logger, ctx);
    }
  };
}
