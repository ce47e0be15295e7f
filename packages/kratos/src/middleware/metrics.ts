import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { fromError } from "../errors/errors.js";
import type { Middleware } from "./middleware.js";

/** The buckets of server_requests_seconds, in seconds: 5 ms to 10 s. */
export const DEFAULT_SECONDS_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsOptions {
  /** The registry the metrics are registered in; one per app, not prom-client's global one. */
  registry: Registry;
  /** The buckets of server_requests_seconds; DEFAULT_SECONDS_BUCKETS when omitted. */
  buckets?: readonly number[];
}

interface Instruments {
  requests: Counter<"kind" | "operation" | "code" | "reason">;
  seconds: Histogram<"kind" | "operation">;
  inFlight: Gauge<"kind" | "operation">;
}

// Both transports' servers take metrics(registry); the instruments are made once per registry and shared.
const made = new WeakMap<Registry, Instruments>();

function instruments(opts: MetricsOptions): Instruments {
  const found = made.get(opts.registry);
  if (found) return found;
  const registers = [opts.registry];
  const created: Instruments = {
    requests: new Counter({
      name: "server_requests_code_total",
      help: "The total number of processed requests, by kind, operation, HTTP-style code and reason.",
      labelNames: ["kind", "operation", "code", "reason"],
      registers,
    }),
    seconds: new Histogram({
      name: "server_requests_seconds",
      help: "How long the server took to answer requests, in seconds.",
      labelNames: ["kind", "operation"],
      buckets: [...(opts.buckets ?? DEFAULT_SECONDS_BUCKETS)],
      registers,
    }),
    inFlight: new Gauge({
      name: "server_requests_in_flight",
      help: "The number of requests being served.",
      labelNames: ["kind", "operation"],
      registers,
    }),
  };
  made.set(opts.registry, created);
  return created;
}

/**
 * metrics counts every request by kind, operation, code (200 on success, else the KratosError's HTTP-style
 * code) and reason, times it, and tracks the requests in flight, as Kratos's metrics.Server does. Both
 * transports' servers may take it with the same registry: the metrics are registered once.
 *
 * Put it after recovery, so a panic is counted as the 500 the client gets, and before validate, so the 400s of
 * validation are counted too.
 *
 * @example
 * const registry = new Registry();
 * new HTTPServer({ address: ":8000", timeout: 1000, logger, middleware: [recovery(logger), metrics(registry), validate()] });
 */
export function metrics(opts: Registry | MetricsOptions): Middleware {
  const { requests, seconds, inFlight } = instruments("registry" in opts ? opts : { registry: opts });
  return (next) => async (ctx, req) => {
    const labels = { kind: ctx.kind, operation: ctx.operation };
    inFlight.inc(labels);
    const start = performance.now();
    let code = 200;
    let reason = "";
    try {
      return await next(ctx, req);
    } catch (err) {
      const e = fromError(err);
      code = e.code;
      reason = e.reason;
      throw err;
    } finally {
      seconds.observe(labels, (performance.now() - start) / 1000);
      requests.inc({ kind: ctx.kind, operation: ctx.operation, code, reason });
      inFlight.dec(labels);
    }
  };
}
