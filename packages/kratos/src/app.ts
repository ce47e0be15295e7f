import type { Readiness } from "./health/readiness.js";
import type { Logger } from "./log/logger.js";
import { setLongTimeout } from "./timer.js";
import type { Server } from "./transport/server.js";

export type Hook = () => Promise<void> | void;

export interface AppOptions {
  id: string;
  name: string;
  version: string;
  logger: Logger;
  servers: Server[];
  /**
   * How long a stop waits for in-flight requests before it forces the servers down, in milliseconds; 10s by
   * default. A forced stop makes run() reject once the servers are down and the afterStop hooks ran.
   */
  stopTimeout?: number;
  /** The signals that start a graceful stop; a second one forces exit. */
  signals?: NodeJS.Signals[];
  /** The readiness the app marks stopping as soon as a stop begins, before the beforeStop hooks and the servers' stop. */
  readiness?: Readiness;
  beforeStart?: Hook[];
  afterStart?: Hook[];
  beforeStop?: Hook[];
  afterStop?: Hook[];
  /** What a second signal does; exits the process with code 1 by default. */
  onForceExit?: () => void;
}

const DEFAULT_STOP_TIMEOUT = 10_000;

const defaultSignals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGQUIT"];

/** App starts its servers together, waits for a signal or stop(), then stops them within the stop timeout. */
export class App {
  private stopRequested?: () => void;
  private readonly stopping: Promise<void>;
  private state: "new" | "running" | "stopping" | "stopped" = "new";
  private startedResult?: { resolve: () => void; reject: (err: unknown) => void };
  /** started settles once every server listens and the afterStart hooks ran, or run failed first. */
  readonly started: Promise<void>;

  constructor(readonly opts: AppOptions) {
    this.stopping = new Promise((resolve) => {
      this.stopRequested = resolve;
    });
    this.started = new Promise((resolve, reject) => {
      this.startedResult = { resolve, reject };
    });
    // run() reports the same failure; this only keeps an unobserved started from crashing the process.
    this.started.catch(() => {});
  }

  get id(): string {
    return this.opts.id;
  }

  get name(): string {
    return this.opts.name;
  }

  get version(): string {
    return this.opts.version;
  }

  /** run resolves once the app has stopped; it rejects if a server cannot start or a hook fails. */
  async run(): Promise<void> {
    try {
      await this.serve();
    } catch (err) {
      this.startedResult?.reject(err);
      throw err;
    }
  }

  private async serve(): Promise<void> {
    if (this.state !== "new") throw new Error("app: run called twice");
    this.state = "running";
    // Signals are heard from the start, so one that comes while the servers bind still stops them gracefully.
    const removeSignals = this.listenForSignals();
    try {
      await runHooks(this.opts.beforeStart);
      const results = await Promise.allSettled(this.opts.servers.map((s) => s.start()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) {
        await this.stopServers(this.opts.servers.filter((_, i) => results[i]?.status === "fulfilled"));
        this.state = "stopped";
        throw failed.reason;
      }
      try {
        await runHooks(this.opts.afterStart);
        this.startedResult?.resolve();
      } catch (err) {
        await this.shutdown();
        throw err;
      }
      await this.stopping;
      await this.shutdown();
    } finally {
      removeSignals();
    }
  }

  /** stop asks a running app to stop gracefully; run resolves when it has. */
  stop(): void {
    this.stopRequested?.();
  }

  private async shutdown(): Promise<void> {
    if (this.state !== "running") return;
    this.state = "stopping";
    this.opts.readiness?.markStopping();
    let hookError: unknown;
    for (const hook of this.opts.beforeStop ?? []) {
      try {
        await hook();
      } catch (err) {
        // A failing hook must not keep the servers up; its error is reported once they are down.
        hookError = err;
      }
    }
    const forced = await this.stopServers(this.opts.servers);
    this.state = "stopped";
    await runHooks(this.opts.afterStop);
    if (hookError !== undefined) throw hookError;
    // As Kratos's Run returns the servers' context.DeadlineExceeded: a stop that had to cut requests failed.
    if (forced) throw new Error(`stop timeout: the servers were forced down after ${this.opts.stopTimeout ?? DEFAULT_STOP_TIMEOUT} ms`);
  }

  /** stopServers stops servers, forcing them down after the stop timeout; it resolves true if it had to. */
  private async stopServers(servers: Server[]): Promise<boolean> {
    const force = new AbortController();
    const cancel = setLongTimeout(() => force.abort(), this.opts.stopTimeout ?? DEFAULT_STOP_TIMEOUT);
    try {
      await Promise.all(servers.map((s) => s.stop(force.signal)));
    } finally {
      cancel();
    }
    return force.signal.aborted;
  }

  private listenForSignals(): () => void {
    const signals = this.opts.signals ?? defaultSignals;
    let received = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      received++;
      if (received === 1) {
        this.opts.logger.info(`received ${signal}, stopping`);
        this.stop();
        return;
      }
      this.opts.logger.warn(`received ${signal} again, exiting at once`);
      (this.opts.onForceExit ?? (() => process.exit(1)))();
    };
    for (const s of signals) process.on(s, onSignal);
    return () => {
      for (const s of signals) process.off(s, onSignal);
    };
  }
}

async function runHooks(hooks: Hook[] | undefined): Promise<void> {
  for (const hook of hooks ?? []) await hook();
}
