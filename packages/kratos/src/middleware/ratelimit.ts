import { performance } from "node:perf_hooks";
import { KratosError } from "../errors/errors.js";
import { invoke, type Middleware } from "./middleware.js";

/** The reason of the error a shed request gets, as Kratos's ratelimit middleware. */
export const RATELIMIT_REASON = "RATELIMIT";

/** ErrLimitExceed is what a shed request gets: 429, and RESOURCE_EXHAUSTED over gRPC, as Kratos's ratelimit.ErrLimitExceed. */
export const ErrLimitExceed = new KratosError(429, RATELIMIT_REASON, "service unavailable due to rate limit exceeded");

export interface BBROptions {
  /** The span of the statistics, in milliseconds; 10 s, as Kratos. */
  window?: number;
  /** How many buckets the window holds; 100, as Kratos. */
  buckets?: number;
  /** The load, from 0 to 1, above which requests are shed; 0.8, as Kratos's CPU threshold of 800. */
  threshold?: number;
  /** The load now, from 0 to 1; the event loop's utilization, smoothed, by default. */
  load?: () => number;
  /** The clock, in milliseconds; performance.now by default. */
  now?: () => number;
}

/**
 * BBRLimiter is Kratos's adaptive limiter (aegis/ratelimit/bbr) for one event loop: while the loop is busier
 * than threshold, or for a second after it last shed, a request is shed when the requests in flight exceed
 * what the service has shown it completes: the most passed in a bucket times the least mean latency.
 * A Node service's CPU is its event loop, so the load is the loop's utilization rather than the machine's.
 *
 * @example
 * const limiter = new BBRLimiter();
 * const done = limiter.allow(); // undefined: shed
 * if (done) try { await work(); } finally { done(); }
 */
export class BBRLimiter {
  private readonly bucketMs: number;
  private readonly buckets: number;
  private readonly threshold: number;
  private readonly load: () => number;
  private readonly now: () => number;
  /** Per bucket: the requests passed, their latencies' sum, and which bucket number the slot holds. */
  private readonly passed: Float64Array;
  private readonly rtSum: Float64Array;
  private readonly slot: Float64Array;
  private inFlight = 0;
  private lastDrop = 0;
  private limitBucket = -1;
  private limit = 0;

  constructor(opts: BBROptions = {}) {
    this.buckets = opts.buckets ?? 100;
    this.bucketMs = (opts.window ?? 10_000) / this.buckets;
    this.threshold = opts.threshold ?? 0.8;
    this.load = opts.load ?? eventLoopLoad();
    this.now = opts.now ?? (() => performance.now());
    this.passed = new Float64Array(this.buckets);
    this.rtSum = new Float64Array(this.buckets);
    this.slot = new Float64Array(this.buckets).fill(-1);
  }

  /** allow admits a request and returns the function to call when it is done, or undefined when it is shed. */
  allow(): (() => void) | undefined {
    const start = this.now();
    if (this.shouldDrop(start)) return undefined;
    this.inFlight++;
    return () => {
      this.inFlight--;
      const end = this.now();
      const i = this.bucketAt(end);
      this.passed[i] = (this.passed[i] as number) + 1;
      this.rtSum[i] = (this.rtSum[i] as number) + (end - start);
    };
  }

  /** maxInFlight is what the service has shown it completes at once: the most passed per bucket times the least mean latency. */
  maxInFlight(): number {
    const current = Math.floor(this.now() / this.bucketMs);
    // The finished buckets change only when a new one starts, so the limit is worked out once per bucket.
    if (current === this.limitBucket) return this.limit;
    let maxPass = 1;
    let minRT = Number.POSITIVE_INFINITY;
    // The bucket being filled is left out, as Kratos does: it holds part of a bucket's requests.
    for (let i = 0; i < this.buckets; i++) {
      const age = current - (this.slot[i] as number);
      if (age <= 0 || age >= this.buckets) continue;
      const passed = this.passed[i] as number;
      if (passed === 0) continue;
      maxPass = Math.max(maxPass, passed);
      minRT = Math.min(minRT, (this.rtSum[i] as number) / passed);
    }
    // Kratos counts latency in whole milliseconds, at least 1.
    const rt = Number.isFinite(minRT) ? Math.max(1, Math.ceil(minRT)) : 1;
    this.limitBucket = current;
    this.limit = Math.floor((maxPass * rt * (1000 / this.bucketMs)) / 1000 + 0.5);
    return this.limit;
  }

  private shouldDrop(now: number): boolean {
    if (this.load() < this.threshold) {
      if (this.lastDrop === 0) return false;
      // For a second after shedding the limit holds, so the load does not swing back at once.
      if (now - this.lastDrop <= 1000) return this.inFlight > 1 && this.inFlight > this.maxInFlight();
      this.lastDrop = 0;
      return false;
    }
    const drop = this.inFlight > 1 && this.inFlight > this.maxInFlight();
    if (drop) this.lastDrop = now;
    return drop;
  }

  /** bucketAt is the slot of the bucket time t falls in, emptied first if it held an older bucket. */
  private bucketAt(t: number): number {
    const bucket = Math.floor(t / this.bucketMs);
    const i = bucket % this.buckets;
    if (this.slot[i] !== bucket) {
      this.slot[i] = bucket;
      this.passed[i] = 0;
      this.rtSum[i] = 0;
    }
    return i;
  }
}

let sharedLoad: (() => number) | undefined;

/**
 * eventLoopLoad returns the event loop's utilization from 0 to 1, sampled every 100 ms and smoothed over
 * about a second; one sampler serves the process, and it doesn't keep the process alive.
 */
export function eventLoopLoad(): () => number {
  if (sharedLoad) return sharedLoad;
  let smoothed = 0;
  let last = performance.eventLoopUtilization();
  setInterval(() => {
    const now = performance.eventLoopUtilization();
    smoothed = smoothed * 0.9 + performance.eventLoopUtilization(now, last).utilization * 0.1;
    last = now;
  }, 100).unref();
  sharedLoad = () => smoothed;
  return sharedLoad;
}

/**
 * ratelimit sheds requests with limiter, Kratos's BBR by default: a shed request gets ErrLimitExceed (429,
 * RESOURCE_EXHAUSTED over gRPC, reason RATELIMIT) at once. Handlers outside the middleware chain, such as
 * health and metrics, are never shed.
 *
 * @example
 * new HTTPServer({ address: ":8000", timeout: 1000, logger, middleware: [recovery(logger), ratelimit()] });
 */
export function ratelimit(limiter: BBRLimiter = new BBRLimiter()): Middleware {
  return (next) => (ctx, req) => {
    const done = limiter.allow();
    if (!done) return Promise.reject(ErrLimitExceed);
    const reply = invoke(next, ctx, req);
    reply.then(done, done);
    return reply;
  };
}
