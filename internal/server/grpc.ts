import type { Logger } from "@kratos-ts/kratos/log";
import { metrics, recovery, validate } from "@kratos-ts/kratos/middleware";
import { GRPCServer } from "@kratos-ts/kratos/transport/grpc";
import type { Registry } from "prom-client";
import { registerGreeterServer } from "../../api/helloworld/v1/greeter_grpc.js";
import type { ServerConf } from "../conf/conf.js";
import type { GreeterService } from "../service/greeter.js";

/** newGRPCServer builds the gRPC server from config and serves the greeter on it. */
export function newGRPCServer(c: ServerConf, greeter: GreeterService, logger: Logger, registry: Registry): GRPCServer {
  const srv = new GRPCServer({ address: c.grpc.addr, timeout: c.grpc.timeout, middleware: [recovery(logger), metrics(registry), validate()], logger });
  registerGreeterServer(srv, greeter);
  return srv;
}
