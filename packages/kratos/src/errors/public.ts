import type { Logger } from "../log/logger.js";
import { findError, KratosError } from "./errors.js";

/** The error a client sees when a handler fails in a way it did not mean to. */
export const ErrUnknownRequest = new KratosError(500, "UNKNOWN", "unknown request error");

/** Where a request failed, for the log line of an unexpected error. */
export interface FailedRequest {
  kind: string;
  operation: string;
}

/**
 * publicError is the one place a foreign error (a bug: the JS form of a panic) becomes the bare
 * 500 UNKNOWN a client may see, logged with its stack. A KratosError, or a status a gRPC client
 * received, passes unchanged, so nothing is logged twice however many layers call this.
 *
 * @example
 * catch (err) { throw publicError(err, logger, ctx); }
 */
export function publicError(err: unknown, logger: Logger, where: FailedRequest): KratosError {
  const found = findError(err);
  if (found) return found;
  logger.error({ err, kind: where.kind, operation: where.operation }, `panic recovered: ${err instanceof Error ? err.message : String(err)}`);
  return ErrUnknownRequest.withCause(err);
}
