import { Readiness } from "@kratos-ts/kratos/health";
import { LOGGER, type Logger } from "@kratos-ts/kratos/log";
import { BBRLimiter, logging, type Middleware, metrics, ratelimit, recovery, tracing, validate } from "@kratos-ts/kratos/middleware";
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
  limiter?: BBRLimiter;
}

/**
 * middlewareOf is the chain both servers run, outermost first, in Kratos's order: recovery, tracing, the
 * access log, metrics, ratelimit, validate; so the span, the access line and the counters see the final code
 * of a refused or shed request and of a bug, and the access line carries the span's ids.
 */
export function middlewareOf({ logger, registry, accessLog, metrics: counted, tracerProvider, limiter }: ServerDeps): Middleware[] {
  return [
    recovery(logger),
    ...(tracerProvider ? [tracing({ tracerProvider })] : []),
    ...(accessLog ? [logging(logger)] : []),
    ...(counted ? [metrics(registry)] : []),
    ...(limiter ? [ratelimit(limiter)] : []),
    validate(),
  ];
}

/** serverDeps resolves the servers' shared dependencies from the container. */
export function serverDeps(r: DependencyContainer): ServerDeps {
  return {
    logger: r.resolve<Logger>(LOGGER),
    registry: r.resolve<Registry>(METRICS_REGISTRY),
    readiness: r.resolve(Readiness),
    accessLog: r.resolve<LogConf>(LOG_CONF).access,
    metrics: r.resolve<ServerConf>(SERVER_CONF).http.metrics_path !== "",
    tracerProvider: r.resolve<TraceConf>(TRACE_CONF).enabled ? r.resolve<TracerProvider>(TRACER_PROVIDER) : undefined,
    limiter: r.resolve<BBRLimiter | undefined>(LIMITER),
  };
}

/** LIMITER is the one BBRLimiter both servers shed load with, or undefined when server.ratelimit.enabled is false. */
export const LIMITER = Symbol("BBRLimiter");

/** newLimiter builds the limiter server.ratelimit asks for. */
export function newLimiter({ enabled, threshold }: ServerConf["ratelimit"]): BBRLimiter | undefined {
  return enabled ? new BBRLimiter({ threshold }) : undefined;
}
