import { Counter, Gauge, type Metric, type Registry } from "prom-client";
import { answerOf } from "../errors/public.js";
import { ErrLimitExceed } from "../ratelimit/limiter.js";
import { invoke, type Middleware } from "./middleware.js";

/** The buckets of server_requests_seconds, in seconds: 5 ms to 10 s. */
export const DEFAULT_SECONDS_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsOptions {
  /** The registry the metrics are registered in; one per app, not prom-client's global one. */
  registry: Registry;
  /** The buckets of server_requests_seconds; DEFAULT_SECONDS_BUCKETS when omitted. */
  buckets?: readonly number[];
}

/** What one kind and operation has counted; the counter and gauge read it at each scrape. */
interface Series {
  labels: { kind: string; operation: string };
  inFlight: number;
  /** Requests answered with success (code 200, no reason). */
  ok: number;
  /** Requests answered with an error, by "code reason". */
  answered: Map<string, { code: number; reason: string; n: number }>;
  /** How many requests took at most each bucket's bound and more than the one before; then those over the last. */
  perBucket: Float64Array;
  seconds: number;
  timed: number;
}

interface Instruments {
  series: (kind: string, operation: string) => Series;
  observe: (s: Series, seconds: number) => void;
}

// Both transports' servers take metrics(registry); the instruments are made once per registry and shared.
const made = new WeakMap<Registry, Instruments>();

// prom-client hashes the labels on every inc, dec and observe (about 0.3-0.5 us each): the counter, the
// in-flight gauge and the histogram are kept here in plain numbers per series and handed over when scraped.
function instruments(opts: MetricsOptions): Instruments {
  const found = made.get(opts.registry);
  if (found) return found;
  const all = new Map<string, Series>();
  const registers = [opts.registry];
  new Counter({
    name: "server_requests_code_total",
    help: "The total number of processed requests, by kind, operation, HTTP-style code and reason.",
    labelNames: ["kind", "operation", "code", "reason"],
    registers,
    collect() {
      this.reset();
      for (const s of all.values()) {
        if (s.ok) this.inc({ ...s.labels, code: 200, reason: "" }, s.ok);
        for (const a of s.answered.values()) this.inc({ ...s.labels, code: a.code, reason: a.reason }, a.n);
      }
    },
  });
  new Gauge({
    name: "server_requests_in_flight",
    help: "The number of requests being served.",
    labelNames: ["kind", "operation"],
    registers,
    collect() {
      for (const s of all.values()) this.set(s.labels, s.inFlight);
    },
  });
  const bounds = [...(opts.buckets ?? DEFAULT_SECONDS_BUCKETS)].sort((a, b) => a - b);
  opts.registry.registerMetric(secondsHistogram(bounds, all) as unknown as Metric);
  const created: Instruments = {
    series(kind, operation) {
      const key = `${kind} ${operation}`;
      let s = all.get(key);
      if (!s) {
        s = { labels: { kind, operation }, inFlight: 0, ok: 0, answered: new Map(), perBucket: new Float64Array(bounds.length + 1), seconds: 0, timed: 0 };
        all.set(key, s);
      }
      return s;
    },
    observe(s, seconds) {
      let i = 0;
      while (i < bounds.length && seconds > (bounds[i] as number)) i++;
      (s.perBucket[i] as number)++;
      s.seconds += seconds;
      s.timed++;
    },
  };
  made.set(opts.registry, created);
  return created;
}

/**
 * secondsHistogram is server_requests_seconds as prom-client's registry takes a metric: what a Histogram's
 * get() gives, made from the series at each scrape.
 */
function secondsHistogram(bounds: number[], all: Map<string, Series>) {
  const name = "server_requests_seconds";
  const shape = { name, help: "How long the server took to answer requests, in seconds.", type: "histogram", aggregator: "sum" };
  return {
    ...shape,
    async get() {
      const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
      for (const s of all.values()) {
        let cumulative = 0;
        for (const [i, le] of bounds.entries()) {
          cumulative += s.perBucket[i] as number;
          values.push({ metricName: `${name}_bucket`, labels: { le, ...s.labels }, value: cumulative });
        }
        values.push({ metricName: `${name}_bucket`, labels: { le: "+Inf", ...s.labels }, value: s.timed });
        values.push({ metricName: `${name}_sum`, labels: s.labels, value: s.seconds });
        values.push({ metricName: `${name}_count`, labels: s.labels, value: s.timed });
      }
      return { ...shape, values };
    },
    reset() {
      for (const s of all.values()) {
        s.perBucket.fill(0);
        s.seconds = 0;
        s.timed = 0;
      }
    },
  };
}

/**
 * countShed returns what counts a request a server's limiter shed before the middleware chain, as the metrics
 * middleware with the same registry counts the rest: 429 RATELIMIT for its kind and operation, untimed.
 *
 * @example
 * new HTTPServer({ address: ":8000", timeout: 1000, logger, limiter, onShed: (op) => shed("http", op) }); // shed = countShed(registry)
 */
export function countShed(opts: Registry | MetricsOptions): (kind: string, operation: string) => void {
  const { series } = instruments("registry" in opts ? opts : { registry: opts });
  return (kind, operation) => countAnswer(series(kind, operation), ErrLimitExceed.code, ErrLimitExceed.reason);
}

/** countAnswer counts one request of s answered with an error of code and reason. */
function countAnswer(s: Series, code: number, reason: string): void {
  const key = `${code} ${reason}`;
  const a = s.answered.get(key);
  if (a) a.n++;
  else s.answered.set(key, { code, reason, n: 1 });
}

/**
 * metrics counts every request by kind, operation, code and reason (200 and "" on success, else the code and
 * reason the client is answered with, 500 UNKNOWN for a bug), times it, and tracks the requests in flight, as
 * Kratos's metrics.Server does. Both transports' servers may take it with the same registry: the metrics are
 * registered once.
 *
 * Put it after recovery, so a panic is counted as the 500 UNKNOWN the client gets, and before validate, so the 400s of
 * validation are counted too.
 *
 * @example
 * const registry = new Registry();
 * new HTTPServer({ address: ":8000", timeout: 1000, logger, middleware: [recovery(logger), metrics(registry), validate()] });
 */
export function metrics(opts: Registry | MetricsOptions): Middleware {
  const { series, observe } = instruments("registry" in opts ? opts : { registry: opts });
  return (next) => {
    // A transport wraps each method's handler on its own, so one wrapped handler nearly always serves one series.
    let last: Series | undefined;
    return (ctx, req) => {
      if (!last || last.labels.operation !== ctx.operation || last.labels.kind !== ctx.kind) last = series(ctx.kind, ctx.operation);
      const s = last;
      s.inFlight++;
      const start = performance.now();
      return invoke(next, ctx, req).then(
        (reply) => {
          s.ok++;
          s.inFlight--;
          observe(s, (performance.now() - start) / 1000);
          return reply;
        },
        (err: unknown) => {
          // Counted as the client is answered: a handler's bug is the 500 UNKNOWN recovery makes of it.
          const { code, reason } = answerOf(err);
          countAnswer(s, code, reason);
          s.inFlight--;
          observe(s, (performance.now() - start) / 1000);
          throw err;
        },
      );
    };
  };
}
