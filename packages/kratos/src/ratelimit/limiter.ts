import { performance } from "node:perf_hooks";
import { KratosError } from "../errors/errors.js";
import type { Logger } from "../log/logger.js";

/** The reason of the error a shed request gets, as Kratos's ratelimit middleware. */
export const RATELIMIT_REASON = "RATELIMIT";

/** ErrLimitExceed is what a shed request gets: 429, and RESOURCE_EXHAUSTED over gRPC, as Kratos's ratelimit.ErrLimitExceed. */
export const ErrLimitExceed = new KratosError(429, RATELIMIT_REASON, "service unavailable due to rate limit exceeded");

/** Limiter decides, as each request arrives and before it is read, whether the server serves it or sheds it. */
export interface Limiter {
  /** allow is true when the request arriving now is served; false sheds it with ErrLimitExceed. */
  allow(): boolean;
}

export interface EventLoopLimiterOptions {
  /** How long one turn of the event loop serves requests before it sheds the rest of them, in ms; 5 ms, CoDel's target. */
  maxTurn?: number;
  /** The load, from 0 to 1, under which nothing is shed, so that a burst on a quiet service is served whole; 0.8. */
  threshold?: number;
  /** The load now, from 0 to 1; the event loop's utilization, smoothed, by default. */
  load?: () => number;
  /** The clock, in milliseconds; performance.now by default. */
  now?: () => number;
  /** Runs fn once the current turn of the event loop is over; setImmediate by default. */
  afterTurn?: (fn: () => void) => void;
  /**
   * The time the event loop has worked, in ms: what a turn cost is the work from its start to the next turn's, so
   * that what runs after its end (a batch of database writes its requests queued, say) counts too.
   * performance.eventLoopUtilization's active time by default; the clock now, where one is given.
   */
  busy?: () => number;
}

/** What a shed request costs the event loop, as a share of what a served one does. */
const SHED_WEIGHT = 0.1;

/**
 * EventLoopLimiter is the adaptive limiter of one event loop. Kratos's BBR sheds when more requests are in
 * flight than the service completes at once; a Node service's waiting requests are not in flight but unread
 * in the kernel, where no count sees them, so this limiter bounds how long they wait instead, as CoDel does.
 * The requests one turn of the loop reads arrived during the turn before, so while the loop is loaded a turn
 * serves what fits in maxTurn and sheds the rest at once: a served request waits about two turns at most, and
 * a shed one costs far less than a served one (over HTTP a twentieth), so the loop keeps serving. What fits
 * is judged both by the time the turn has run and by the cost per request of the turns before, as HTTP/2
 * reads many calls at once, each of whose work comes later in the turn.
 *
 * @example
 * const limiter = new EventLoopLimiter({ maxTurn: 5 });
 * new HTTPServer({ address: ":8000", timeout: 1000, logger, limiter });
 */
export class EventLoopLimiter implements Limiter {
  private readonly maxTurn: number;
  private readonly threshold: number;
  private readonly load: () => number;
  private readonly now: () => number;
  private readonly afterTurn: (fn: () => void) => void;
  private readonly busy: () => number;
  private readonly endTurn = () => {
    this.turnStart = -1;
  };
  /** When the current turn read its first request; -1 between turns. */
  private turnStart = -1;
  /** The loop's busy time when the last turn started; NaN before the first. */
  private turnBusy = Number.NaN;
  /** The requests the current turn served, and those it shed. */
  private served = 0;
  private shed = 0;
  /** What a request has cost the turns that served it, in ms, smoothed; 0 until a turn has served one. */
  private costPerRequest = 0;

  constructor(opts: EventLoopLimiterOptions = {}) {
    this.maxTurn = opts.maxTurn ?? 5;
    this.threshold = opts.threshold ?? 0.8;
    this.load = opts.load ?? eventLoopLoad();
    this.now = opts.now ?? (() => performance.now());
    this.afterTurn = opts.afterTurn ?? setImmediate;
    this.busy = opts.busy ?? opts.now ?? loopBusy;
  }

  allow(): boolean {
    if (this.turnStart < 0) {
      const busy = this.busy();
      // The turn before is over, and all it set off has run: what it cost is known now.
      if (!Number.isNaN(this.turnBusy)) this.learn(busy - this.turnBusy);
      this.turnBusy = busy;
      this.turnStart = this.now();
      this.served = 1;
      this.shed = 0;
      this.afterTurn(this.endTurn);
      return true;
    }
    // The load last: it is the dearest to ask, and only a turn past its budget needs it.
    if (((this.served + 1) * this.costPerRequest > this.maxTurn || this.now() - this.turnStart > this.maxTurn) && this.load() >= this.threshold) {
      this.shed++;
      return false;
    }
    this.served++;
    return true;
  }

  private learn(busy: number): void {
    // A shed request costs about a tenth of a served one: counted whole, the more a turn shed, the fewer the next would serve.
    const cost = busy / (this.served + this.shed * SHED_WEIGHT);
    this.costPerRequest = this.costPerRequest === 0 ? cost : this.costPerRequest * 0.9 + cost * 0.1;
  }
}

export interface EventLoopLoadOptions {
  /** The time over which the load is averaged, in ms: past samples weigh e^(-age/window); 100 ms. */
  window?: number;
  /** The clock, in milliseconds; performance.now by default. */
  now?: () => number;
  /** The time the event loop has been busy since it started, in ms; from performance.eventLoopUtilization by default. */
  busy?: () => number;
}

/** loopBusy is the time the event loop has worked since it started, in ms. */
function loopBusy(): number {
  return performance.eventLoopUtilization().active;
}

/** How long apart two samples of the load are at least, in ms: a sample costs more than a request's check. */
const SAMPLE_EVERY = 10;

let sharedLoad: (() => number) | undefined;

/**
 * eventLoopLoad returns the event loop's utilization from 0 to 1, averaged over about the last window ms. It
 * samples when asked, not on a timer: a timer can't fire while a long turn of the loop runs, and the load it
 * last saw would let that turn serve on however long it runs. A loop busy from idle passes 0.8 after 1.6
 * windows. Without options, one load serves the process.
 *
 * @example
 * const load = eventLoopLoad();
 * if (load() > 0.8) console.log("busy");
 */
export function eventLoopLoad(opts: EventLoopLoadOptions = {}): () => number {
  const shared = Object.keys(opts).length === 0;
  if (shared && sharedLoad) return sharedLoad;
  const window = opts.window ?? 100;
  const now = opts.now ?? (() => performance.now());
  const busy = opts.busy ?? loopBusy;
  let load = 0;
  let sampledAt = now();
  let busyAt = busy();
  const sample = () => {
    const t = now();
    const elapsed = t - sampledAt;
    if (elapsed < SAMPLE_EVERY) return load;
    const b = busy();
    const utilization = Math.min(1, Math.max(0, (b - busyAt) / elapsed));
    load += (utilization - load) * (1 - Math.exp(-elapsed / window));
    sampledAt = t;
    busyAt = b;
    return load;
  };
  if (shared) sharedLoad = sample;
  return sample;
}

/**
 * logShed returns what reports shed requests: one WARN line per period that shed any, with how many, rather
 * than a line each, which would add to the overload it reports.
 *
 * @example
 * const shed = logShed(logger);
 * new GRPCServer({ address: ":9000", timeout: 1000, logger, limiter, onShed: () => shed() });
 */
export function logShed(logger: Logger, periodMs = 1000): () => void {
  let shed = 0;
  const report = () => {
    logger.warn({ shed, period: periodMs / 1000 }, `ratelimit: shed ${shed} requests in the last ${periodMs / 1000}s`);
    shed = 0;
  };
  return () => {
    if (shed++ === 0) setTimeout(report, periodMs).unref();
  };
}
