import { Readiness } from "@kratos-ts/kratos/health";
import { LOGGER, type Logger } from "@kratos-ts/kratos/log";
import { logging, type Middleware, metrics, recovery, validate } from "@kratos-ts/kratos/middleware";
import type { Registry } from "prom-client";
import type { DependencyContainer } from "tsyringe";
import { LOG_CONF, type LogConf } from "../conf/conf.js";
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
}

/**
 * middlewareOf is the chain both servers run, outermost first, in Kratos's order: recovery, the access log,
 * metrics, validate; so the access line and the counters see the final code of a refused request and of a bug.
 */
export function middlewareOf({ logger, registry, accessLog }: ServerDeps): Middleware[] {
  return [recovery(logger), ...(accessLog ? [logging(logger)] : []), metrics(registry), validate()];
}

/** serverDeps resolves the servers' shared dependencies from the container. */
export function serverDeps(r: DependencyContainer): ServerDeps {
  return {
    logger: r.resolve<Logger>(LOGGER),
    registry: r.resolve<Registry>(METRICS_REGISTRY),
    readiness: r.resolve(Readiness),
    accessLog: r.resolve<LogConf>(LOG_CONF).access,
  };
}
