import type { Readiness } from "@kratos-ts/kratos/health";
import type { Logger } from "@kratos-ts/kratos/log";
import { recovery, validate } from "@kratos-ts/kratos/middleware";
import { HTTPServer, serveHealth } from "@kratos-ts/kratos/transport/http";
import { registerGreeterHTTPServer } from "../../api/helloworld/v1/greeter_http.js";
import type { ServerConf } from "../conf/conf.js";
import type { GreeterService } from "../service/greeter.js";

/** newHTTPServer builds the HTTP server from config and serves the greeter on it, and /healthz and /readyz given a readiness. */
export function newHTTPServer(c: ServerConf, greeter: GreeterService, logger: Logger, readiness?: Readiness): HTTPServer {
  const srv = new HTTPServer({ address: c.http.addr, timeout: c.http.timeout, middleware: [recovery(logger), validate()], logger });
  registerGreeterHTTPServer(srv, greeter);
  // Plain routes, outside the middleware chain: probes stay out of the access log and the metrics.
  if (readiness) serveHealth(srv, readiness);
  return srv;
}
