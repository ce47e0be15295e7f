import { KratosError } from "../errors/errors.js";
import type { Logger } from "../log/logger.js";
import type { Middleware } from "./middleware.js";

/** The error a client sees when a handler fails in a way it did not mean to. */
export const ErrUnknownRequest = new KratosError(500, "UNKNOWN", "unknown request error");

/**
 * recovery turns anything a handler throws that is not a KratosError (a bug: the JS form of a panic)
 * into a 500 UNKNOWN, and logs it with its stack. The client learns nothing of the cause.
 */
export function recovery(logger: Logger): Middleware {
  return (next) => async (ctx, req) => {
    try {
      return await next(ctx, req);
    } catch (err) {
      if (err instanceof KratosError) throw err;
      logger.error({ err, kind: ctx.kind, operation: ctx.operation }, `panic recovered: ${describe(err)}`);
      throw ErrUnknownRequest.withCause(err);
    }
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
