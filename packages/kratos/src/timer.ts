/** The longest delay Node's setTimeout takes; a longer one overflows and fires after 1 ms (TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * setLongTimeout calls fn after ms, however long: a delay Node's timers cannot take is waited in steps of
 * MAX_TIMER_MS instead of overflowing to 1 ms; an infinite one never fires. The timer does not keep the
 * process alive when unref is true. It returns the function that cancels it.
 *
 * @example
 * const cancel = setLongTimeout(() => force.abort(), stopTimeoutMs);
 * await stopped;
 * cancel();
 */
export function setLongTimeout(fn: () => void, ms: number, unref = false): () => void {
  if (ms === Number.POSITIVE_INFINITY) return () => {};
  if (ms <= MAX_TIMER_MS) {
    const once = setTimeout(fn, Math.max(ms, 0));
    if (unref) once.unref();
    return () => clearTimeout(once);
  }
  const due = Date.now() + ms;
  let timer: NodeJS.Timeout;
  const arm = (left: number) => {
    timer = setTimeout(
      () => {
        const rest = due - Date.now();
        if (rest > 0) arm(rest);
        else fn();
      },
      Math.min(Math.max(left, 0), MAX_TIMER_MS),
    );
    if (unref) timer.unref();
  };
  arm(ms);
  return () => clearTimeout(timer);
}
