import type { Logger } from "../log/logger.js";
import { findError, KratosError } from "./errors.js";

/** The error a client sees when a handler fails in a way it did not mean to. */
export const ErrUnknownRequest = new KratosError(500, "UNKNOWN", "unknown request error");

/**
 * answerOf is the error a client is answered with for err: a KratosError (or a status a gRPC client received)
 * as it is, anything else the 500 UNKNOWN of a bug. Middleware inside recovery use it to log and count what
 * the client gets, before recovery has turned a bug into that answer.
 */
export function answerOf(err: unknown): KratosError {
  return findError(err) ?? ErrUnknownRequest;
}

/**
 * messageOf is err's message for a log line or a one-line report: a driver's AggregateError with an empty
 * message (pg's refused connection) says why through its parts, and a bare non-Error value as itself.
 */
export function messageOf(err: unknown): string {
  if (err instanceof AggregateError && !err.message) return err.errors.map(messageOf).join("; ");
  return err instanceof Error ? err.message || err.name : String(err);
}

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
  logger.error({ err, kind: where.kind, operation: where.operation }, `panic recovered: ${messageOf(err)}`);
  return ErrUnknownRequest.withCause(err);
}
