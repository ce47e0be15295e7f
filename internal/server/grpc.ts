import type { Logger } from "@kratos-ts/kratos/log";
import { logging, recovery, validate } from "@kratos-ts/kratos/middleware";
import { GRPCServer } from "@kratos-ts/kratos/transport/grpc";
import { registerGreeterServer } from "../../api/helloworld/v1/greeter_grpc.js";
import type { LogConf, ServerConf } from "../conf/conf.js";
import type { GreeterService } from "../service/greeter.js";

/**
 * newGRPCServer builds the gRPC server from config and serves the greeter on it.
 * Middleware, outermost first: recovery, the access log (log.access), validate, as Kratos orders them,
 * so the access line has the final code of a refused request and of a handler's bug.
 */
export function newGRPCServer(c: ServerConf, greeter: GreeterService, logger: Logger, log: LogConf): GRPCServer {
  const srv = new GRPCServer({
    address: c.grpc.addr,
    timeout: c.grpc.timeout,
    middleware: [recovery(logger), ...(log.access ? [logging(logger)] : []), validate()],
    logger,
  });
  registerGreeterServer(srv, greeter);
  return srv;
}
