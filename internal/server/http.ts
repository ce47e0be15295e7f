import { registerGreeterHTTPServer } from "../../api/helloworld/v1/greeter_http.js";
import type { Logger } from "../../pkg/log/logger.js";
import { recovery } from "../../pkg/middleware/recovery.js";
import { HttpServer } from "../../pkg/transport/http/server.js";
import type { ServerConf } from "../conf/conf.js";
import type { GreeterService } from "../service/greeter.js";

/** newHTTPServer builds the HTTP server from config and serves the greeter on it. */
export function newHTTPServer(c: ServerConf, greeter: GreeterService, logger: Logger): HttpServer {
  const srv = new HttpServer({ address: c.http.addr, timeout: c.http.timeout, middleware: [recovery(logger)], logger });
  registerGreeterHTTPServer(srv, greeter);
  return srv;
}
