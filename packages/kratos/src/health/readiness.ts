import { messageOf } from "../errors/public.js";

/** A readiness check: resolves when the dependency answers, rejects with the reason when it does not. */
export type Check = (signal: AbortSignal) => Promise<unknown>;

/** The outcome of one evaluation: ready, or the first failing check (in the order added) and why. */
export type ReadinessResult = { ready: true } | { ready: false; check: string; message: string };

export interface ReadinessOptions {
  /** How long one check may take before it counts as failed; 2s by default. */
  timeout?: number;
}

/** The check name a stopping app reports. */
export const STOPPING = "stopping";

/**
 * Readiness says whether the process should take traffic: every named check passes and no stop has begun.
 * It knows no transport: the HTTP /readyz route and the gRPC health service both ask it. Evaluations that
 * overlap share one run of the checks, and listeners hear each change of the result.
 */
export class Readiness {
  private readonly checks: Array<{ name: string; check: Check; timeout: number }> = [];
  private readonly listeners = new Set<(result: ReadinessResult) => void>();
  private running?: Promise<ReadinessResult>;
  private last?: ReadinessResult;
  private isStopping = false;

  constructor(private readonly opts: ReadinessOptions = {}) {}

  /** add registers a check under a name, which a failure reports; timeout overrides the default for it. */
  add(name: string, check: Check, timeout?: number): this {
    this.checks.push({ name, check, timeout: timeout ?? this.opts.timeout ?? 2000 });
    return this;
  }

  /** markStopping makes every later evaluation fail with "stopping"; the App calls it when a stop begins. */
  markStopping(): void {
    if (this.isStopping) return;
    this.isStopping = true;
    this.publish(stoppingResult);
  }

  get stopping(): boolean {
    return this.isStopping;
  }

  /** check runs the checks (or joins a run in flight) and resolves with the result; it never rejects. */
  check(): Promise<ReadinessResult> {
    if (this.isStopping) return Promise.resolve(stoppingResult);
    if (!this.running) {
      this.running = this.evaluate().then((result) => {
        this.running = undefined;
        const final = this.isStopping ? stoppingResult : result;
        this.publish(final);
        return final;
      });
    }
    return this.running;
  }

  /** onChange calls listener with each result that differs from the one before; it returns the unsubscribe. */
  onChange(listener: (result: ReadinessResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async evaluate(): Promise<ReadinessResult> {
    const results = await Promise.all(this.checks.map((c) => runCheck(c.check, c.timeout)));
    for (const [i, message] of results.entries()) {
      if (message !== undefined) return { ready: false, check: this.checks[i]?.name ?? "", message };
    }
    return { ready: true };
  }

  private publish(result: ReadinessResult): void {
    const before = this.last;
    this.last = result;
    if (before && sameResult(before, result)) return;
    for (const listener of this.listeners) listener(result);
  }
}

const stoppingResult: ReadinessResult = { ready: false, check: STOPPING, message: "the server is stopping" };

/** runCheck resolves with undefined when the check passes in time, or with why it did not. */
async function runCheck(check: Check, timeout: number): Promise<string | undefined> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<string>((resolve) => {
    timer = setTimeout(() => {
      abort.abort();
      resolve(`timed out after ${timeout}ms`);
    }, timeout);
  });
  try {
    return await Promise.race([
      check(abort.signal).then(
        () => undefined,
        (err: unknown) => messageOf(err),
      ),
      expired,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function sameResult(a: ReadinessResult, b: ReadinessResult): boolean {
  if (a.ready || b.ready) return a.ready === b.ready;
  return a.check === b.check && a.message === b.message;
}
