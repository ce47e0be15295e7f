import { Readiness } from "@kratos-ts/kratos/health";
import { LOGGER, type Logger } from "@kratos-ts/kratos/log";
import type { Registry } from "prom-client";
import type { DependencyContainer } from "tsyringe";
import { METRICS_REGISTRY } from "./metrics.js";

/** What both servers are built with besides their config and the service. */
export interface ServerDeps {
  logger: Logger;
  /** The app's metrics registry. */
  registry: Registry;
  /** What /readyz and the gRPC health service follow. */
  readiness: Readiness;
}

/** serverDeps resolves the servers' shared dependencies from the container. */
export function serverDeps(r: DependencyContainer): ServerDeps {
  return { logger: r.resolve<Logger>(LOGGER), registry: r.resolve<Registry>(METRICS_REGISTRY), readiness: r.resolve(Readiness) };
}
