import { metrics, recovery, validate } from "@kratos-ts/kratos/middleware";
import { HTTPServer, serveHealth } from "@kratos-ts/kratos/transport/http";
import { registerGreeterHTTPServer } from "../../api/helloworld/v1/greeter_http.js";
import type { ServerConf } from "../conf/conf.js";
import type { GreeterService } from "../service/greeter.js";
import type { ServerDeps } from "./deps.js";
import { serveMetrics } from "./metrics.js";

/** newHTTPServer builds the HTTP server from config and serves the greeter on it, with /healthz, /readyz and /metrics. */
export function newHTTPServer(c: ServerConf, greeter: GreeterService, { logger, registry, readiness }: ServerDeps): HTTPServer {
  const srv = new HTTPServer({ address: c.http.addr, timeout: c.http.timeout, middleware: [recovery(logger), metrics(registry), validate()], logger });
  registerGreeterHTTPServer(srv, greeter);
  // Plain routes, outside the middleware chain: probes and scrapes stay out of the access log and the metrics.
  serveHealth(srv, readiness);
  serveMetrics(srv, c.http.metrics_path, registry);
  return srv;
}
