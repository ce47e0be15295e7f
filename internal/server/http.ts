import { HTTPServer, serveHealth } from "@kratos-ts/kratos/transport/http";
import { registerGreeterHTTPServer } from "../../api/helloworld/v1/greeter_http.js";
import type { ServerConf } from "../conf/conf.js";
import type { GreeterService } from "../service/greeter.js";
import { middlewareOf, type ServerDeps } from "./deps.js";
import { serveMetrics } from "./metrics.js";

/** newHTTPServer builds the HTTP server from config and serves the greeter on it, with /healthz, /readyz and /metrics. */
export function newHTTPServer(c: ServerConf, greeter: GreeterService, deps: ServerDeps): HTTPServer {
  const { addr, timeout, read_header_timeout, read_timeout, idle_timeout, max_header_bytes, max_body_bytes } = c.http;
  const srv = new HTTPServer({
    address: addr,
    timeout,
    readHeaderTimeout: read_header_timeout,
    readTimeout: read_timeout,
    idleTimeout: idle_timeout,
    maxHeaderBytes: max_header_bytes,
    maxBodyBytes: max_body_bytes,
    middleware: middlewareOf(deps),
    logger: deps.logger,
    limiter: deps.limiter,
    onShed: deps.onShed("http"),
  });
  registerGreeterHTTPServer(srv, greeter);
  // Plain routes, outside the middleware chain: probes and scrapes stay out of the access log and the metrics.
  serveHealth(srv, deps.readiness);
  serveMetrics(srv, c.http.metrics_path, deps.registry);
  return srv;
}
