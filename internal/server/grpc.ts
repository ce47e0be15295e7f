import { registerGreeterServer } from "../../api/helloworld/v1/greeter_grpc.js";
import type { Logger } from "../../pkg/log/logger.js";
import { recovery } from "../../pkg/middleware/recovery.js";
import { GrpcServer } from "../../pkg/transport/grpc/server.js";
import type { ServerConf } from "../conf/conf.js";
import type { GreeterService } from "../service/greeter.js";

/** newGRPCServer builds the gRPC server from config and serves the greeter on it. */
export function newGRPCServer(c: ServerConf, greeter: GreeterService, logger: Logger): GrpcServer {
  const srv = new GrpcServer({ address: c.grpc.addr, timeout: c.grpc.timeout, middleware: [recovery(logger)], logger });
  registerGreeterServer(srv, greeter);
  return srv;
}
