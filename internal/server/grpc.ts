import { GRPCServer } from "@kratos-ts/kratos/transport/grpc";
import { registerGreeterServer } from "../../api/helloworld/v1/greeter_grpc.js";
import type { ServerConf } from "../conf/conf.js";
import type { GreeterService } from "../service/greeter.js";
import { middlewareOf, type ServerDeps } from "./deps.js";

/** newGRPCServer builds the gRPC server from config and serves the greeter on it; its health service follows readiness. */
export function newGRPCServer(c: ServerConf, greeter: GreeterService, deps: ServerDeps): GRPCServer {
  const srv = new GRPCServer({
    address: c.grpc.addr,
    timeout: c.grpc.timeout,
    middleware: middlewareOf(deps),
    logger: deps.logger,
    limiter: deps.limiter,
    onShed: deps.onShed("grpc"),
    health: { readiness: deps.readiness },
    maxRecvMsgSize: c.grpc.max_recv_msg_size,
    maxConcurrentStreams: c.grpc.max_concurrent_streams,
    connection: {
      connectionTimeout: c.grpc.connection_timeout,
      keepaliveMinTime: c.grpc.keepalive_min_time,
      keepalivePermitWithoutStream: c.grpc.keepalive_permit_without_stream,
    },
  });
  registerGreeterServer(srv, greeter);
  return srv;
}
