import { KratosError } from "./errors.js";

/** The error of a request whose deadline passed before its work finished: 504, gRPC DEADLINE_EXCEEDED. */
export const ErrDeadlineExceeded = new KratosError(504, "DEADLINE_EXCEEDED", "context deadline exceeded");

/** The error of a request whose client went away: 499, gRPC CANCELLED. */
export const ErrCanceled = new KratosError(499, "CANCELED", "context canceled");

/**
 * untilAborted settles as work does, unless ctx.signal aborts first: then it rejects with ErrDeadlineExceeded or
 * ErrCanceled, so a request answers at its deadline even when the I/O under it cannot be cancelled.
 *
 * @example
 * const row = await untilAborted(ctx.signal, db.selectFrom("greeters").selectAll().executeTakeFirst());
 */
export function untilAborted<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** abortError is what work stopped by signal fails with: ErrDeadlineExceeded at its deadline, else ErrCanceled; its cause the signal's reason by default. */
export function abortError(signal: AbortSignal, cause: unknown = signal.reason): KratosError {
  const reason = signal.reason as { name?: string } | undefined;
  return (reason?.name === "TimeoutError" ? ErrDeadlineExceeded : ErrCanceled).withCause(cause);
}
