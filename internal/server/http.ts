import type { Logger } from "@kratos-ts/kratos/log";
import { logging, recovery, validate } from "@kratos-ts/kratos/middleware";
import { HTTPServer } from "@kratos-ts/kratos/transport/http";
import { registerGreeterHTTPServer } from "../../api/helloworld/v1/greeter_http.js";
import type { LogConf, ServerConf } from "../conf/conf.js";
import type { GreeterService } from "../service/greeter.js";

/**
 * newHTTPServer builds the HTTP server from config and serves the greeter on it.
 * Middleware, outermost first: recovery, the access log (log.access), validate, as Kratos orders them,
 * so the access line has the final code of a refused request and of a handler's bug.
 */
export function newHTTPServer(c: ServerConf, greeter: GreeterService, logger: Logger, log: LogConf): HTTPServer {
  const srv = new HTTPServer({
    address: c.http.addr,
    timeout: c.http.timeout,
    middleware: [recovery(logger), ...(log.access ? [logging(logger)] : []), validate()],
    logger,
  });
  registerGreeterHTTPServer(srv, greeter);
  return srv;
}
