import { Readiness } from "@kratos-ts/kratos/health";
import { LOGGER, type Logger } from "@kratos-ts/kratos/log";
import { countShed, logging, type Middleware, metrics, recovery, tracing, validate } from "@kratos-ts/kratos/middleware";
import { EventLoopLimiter, type Limiter, logShed } from "@kratos-ts/kratos/ratelimit";
import { TRACER_PROVIDER } from "@kratos-ts/kratos/tracing";
import type { TracerProvider } from "@opentelemetry/api";
import type { Registry } from "prom-client";
import type { DependencyContainer } from "tsyringe";
import { LOG_CONF, type LogConf, SERVER_CONF, type ServerConf, TRACE_CONF, type TraceConf } from "../conf/conf.js";
import { METRICS_REGISTRY } from "./metrics.js";

/** What both servers are built with besides their config and the service. */
export interface ServerDeps {
  logger: Logger;
  /** The app's metrics registry. */
  registry: Registry;
  /** What /readyz and the gRPC health service follow. */
  readiness: Readiness;
  /** Whether each call gets an access log line (log.access). */
  accessLog: boolean;
  /** Whether calls are counted and timed: only when the metrics are served (server.http.metrics_path not ""). */
  metrics: boolean;
  /** Where the server spans go; none are made when undefined (trace.enabled false). */
  tracerProvider?: TracerProvider;
  /** The limiter both servers shed load with, sharing one event loop; none when server.ratelimit.enabled is false. */
  limiter?: Limiter;
  /** Counts (where metrics are on) and reports each request a server of kind sheds. */
  onShed: (kind: string) => (operation: string) => void;
}

/**
 * middlewareOf is the chain both servers run, outermost first, in Kratos's order: recovery, tracing, the
 * access log, metrics, validate; so the span, the access line and the counters see the final code of a
 * refused request and of a bug, and the access line carries the span's ids. Shedding comes before the chain,
 * in the servers, where a shed request costs least.
 */
export function middlewareOf({ logger, registry, accessLog, metrics: counted, tracerProvider }: ServerDeps): Middleware[] {
  return [
    recovery(logger),
    ...(tracerProvider ? [tracing({ tracerProvider })] : []),
    ...(accessLog ? [logging(logger)] : []),
    ...(counted ? [metrics(registry)] : []),
    validate(),
  ];
}

/** serverDeps resolves the servers' shared dependencies from the container. */
export function serverDeps(r: DependencyContainer): ServerDeps {
  const logger = r.resolve<Logger>(LOGGER);
  const registry = r.resolve<Registry>(METRICS_REGISTRY);
  const counted = r.resolve<ServerConf>(SERVER_CONF).http.metrics_path !== "";
  const count = counted ? countShed(registry) : undefined;
  const report = logShed(logger);
  return {
    logger,
    registry,
    readiness: r.resolve(Readiness),
    accessLog: r.resolve<LogConf>(LOG_CONF).access,
    metrics: counted,
    tracerProvider: r.resolve<TraceConf>(TRACE_CONF).enabled ? r.resolve<TracerProvider>(TRACER_PROVIDER) : undefined,
    limiter: r.resolve<Limiter | undefined>(LIMITER),
    onShed: (kind) => (operation) => {
      count?.(kind, operation);
      report();
    },
  };
}

/** LIMITER is the one limiter both servers shed load with, or undefined when server.ratelimit.enabled is false. */
export const LIMITER = Symbol("Limiter");

/** newLimiter builds the limiter server.ratelimit asks for. */
export function newLimiter({ enabled, threshold, max_turn }: ServerConf["ratelimit"]): Limiter | undefined {
  return enabled ? new EventLoopLimiter({ threshold, maxTurn: max_turn }) : undefined;
}
