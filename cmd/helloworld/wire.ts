import { setTimeout } from "node:timers/promises";
import { App } from "@kratos-ts/kratos";
import { Readiness } from "@kratos-ts/kratos/health";
import { LOGGER, type Logger } from "@kratos-ts/kratos/log";
import { newTracerProvider, TRACER_PROVIDER } from "@kratos-ts/kratos/tracing";
import { GRPCServer } from "@kratos-ts/kratos/transport/grpc";
import { HTTPServer } from "@kratos-ts/kratos/transport/http";
import { container, type DependencyContainer, instanceCachingFactory } from "tsyringe";
import { bizProviders } from "../../internal/biz/providers.js";
import { APP_CONF, type Bootstrap, DATA_CONF, LOG_CONF, SERVER_CONF, TRACE_CONF } from "../../internal/conf/conf.js";
import { Data } from "../../internal/data/data.js";
import { registerPoolMetrics } from "../../internal/data/metrics.js";
import { dataProviders } from "../../internal/data/providers.js";
import { METRICS_REGISTRY, newRegistry } from "../../internal/server/metrics.js";
import { serverProviders } from "../../internal/server/providers.js";
import { serviceProviders } from "../../internal/service/providers.js";
import { id, Name, Version } from "./info.js";

/** newApp builds the App from its servers, gRPC first as in kratos-layout. */
function newApp(c: DependencyContainer): App {
  const bc = c.resolve<Bootstrap["app"]>(APP_CONF);
  return new App({
    id,
    name: Name,
    version: Version,
    logger: c.resolve<Logger>(LOGGER),
    servers: [c.resolve(GRPCServer), c.resolve(HTTPServer)],
    stopTimeout: bc.stop_timeout,
    // /readyz and the gRPC health service answer not ready from the first moment of a stop.
    readiness: c.resolve(Readiness),
    // The schema is brought up to date before either server takes a request.
    beforeStart: [() => c.resolve(Data).migrate()],
  });
}

/**
 * wireApp is the composition root: each layer's providers, then the App; cleanup closes the data resources,
 * then sends the spans still batched.
 */
export function wireApp(
  bc: Bootstrap,
  logger: Logger,
): { app: App; migrate: () => Promise<void>; cleanup: () => Promise<void>; container: DependencyContainer } {
  const c = container.createChildContainer();
  c.register(SERVER_CONF, { useValue: bc.server });
  c.register(DATA_CONF, { useValue: bc.data });
  c.register(APP_CONF, { useValue: bc.app });
  c.register(LOG_CONF, { useValue: bc.log });
  c.register(TRACE_CONF, { useValue: bc.trace });
  c.register(LOGGER, { useValue: logger });
  // Spans are exported only when trace.endpoint or OTEL_EXPORTER_OTLP_ENDPOINT says where.
  const tracerProvider = newTracerProvider({ service: { id, name: Name, version: Version }, endpoint: bc.trace.endpoint, logger });
  c.register(TRACER_PROVIDER, { useValue: tracerProvider });
  dataProviders(c);
  bizProviders(c);
  serviceProviders(c);
  serverProviders(c);
  // The readiness the health routes and the gRPC health service follow: the database answers a ping.
  c.register(Readiness, { useFactory: instanceCachingFactory((r) => new Readiness().add("database", () => r.resolve(Data).ping())) });
  // One metrics registry per app, with the database pool's gauges where the driver has them.
  c.register(METRICS_REGISTRY, {
    useFactory: instanceCachingFactory((r) => {
      const registry = newRegistry();
      registerPoolMetrics(registry, r.resolve(Data));
      return registry;
    }),
  });
  c.register(App, { useFactory: instanceCachingFactory(newApp) });
  // The data resources first: a database that cannot be opened fails here with its own message, not one
  // wrapped in the chain of everything that depends on it.
  const data = c.resolve(Data);
  const app = c.resolve(App);
  const cleanup = async () => {
    try {
      await data.close();
    } finally {
      // A collector that does not answer must not hold the exit for the exporter's timeout (10 s).
      await Promise.race([tracerProvider.shutdown(), setTimeout(2000, undefined, { ref: false })]);
    }
  };
  return { app, migrate: () => data.migrate(), cleanup, container: c };
}
