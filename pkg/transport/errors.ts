import { type KratosError, findError } from "../errors/errors.js";
import type { Logger } from "../log/logger.js";
import { ErrUnknownRequest } from "../middleware/recovery.js";

/**
 * publicError is the error a client may see: a KratosError as it is, anything else as a bare 500
 * (logged here), so no message, stack or internals of a foreign error ever leave the process.
 */
export function publicError(err: unknown, logger: Logger, operation: string): KratosError {
  const found = findError(err);
  if (found) return found;
  logger.error({ err, operation }, `unhandled error: ${err instanceof Error ? err.message : String(err)}`);
  return ErrUnknownRequest;
}
