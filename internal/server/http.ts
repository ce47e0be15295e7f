import type { Logger } from "@kratos-ts/kratos/log";
import { metrics, recovery, validate } from "@kratos-ts/kratos/middleware";
import { HTTPServer } from "@kratos-ts/kratos/transport/http";
import type { Registry } from "prom-client";
import { registerGreeterHTTPServer } from "../../api/helloworld/v1/greeter_http.js";
import type { ServerConf } from "../conf/conf.js";
import type { GreeterService } from "../service/greeter.js";
import { serveMetrics } from "./metrics.js";

/** newHTTPServer builds the HTTP server from config and serves the greeter on it. */
export function newHTTPServer(c: ServerConf, greeter: GreeterService, logger: Logger, registry: Registry): HTTPServer {
  const srv = new HTTPServer({ address: c.http.addr, timeout: c.http.timeout, middleware: [recovery(logger), metrics(registry), validate()], logger });
  registerGreeterHTTPServer(srv, greeter);
  serveMetrics(srv, c.http.metrics_path, registry);
  return srv;
}
