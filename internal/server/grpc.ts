import type { Readiness } from "@kratos-ts/kratos/health";
import type { Logger } from "@kratos-ts/kratos/log";
import { recovery, validate } from "@kratos-ts/kratos/middleware";
import { GRPCServer } from "@kratos-ts/kratos/transport/grpc";
import { registerGreeterServer } from "../../api/helloworld/v1/greeter_grpc.js";
import type { ServerConf } from "../conf/conf.js";
import type { GreeterService } from "../service/greeter.js";

/** newGRPCServer builds the gRPC server from config and serves the greeter on it; its health service follows readiness when given. */
export function newGRPCServer(c: ServerConf, greeter: GreeterService, logger: Logger, readiness?: Readiness): GRPCServer {
  const srv = new GRPCServer({ address: c.grpc.addr, timeout: c.grpc.timeout, middleware: [recovery(logger), validate()], logger, health: { readiness } });
  registerGreeterServer(srv, greeter);
  return srv;
}
