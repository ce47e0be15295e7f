import { type DependencyContainer, instanceCachingFactory } from "tsyringe";
import { LOGGER, type Logger } from "../../pkg/log/logger.js";
import { GrpcServer } from "../../pkg/transport/grpc/server.js";
import { HttpServer } from "../../pkg/transport/http/server.js";
import { SERVER_CONF, type ServerConf } from "../conf/conf.js";
import { GreeterService } from "../service/greeter.js";
import { newGRPCServer } from "./grpc.js";
import { newHTTPServer } from "./http.js";

/** serverProviders registers the transports, as server.ProviderSet does. */
export function serverProviders(c: DependencyContainer): void {
  c.register(GrpcServer, {
    useFactory: instanceCachingFactory((r) => newGRPCServer(r.resolve<ServerConf>(SERVER_CONF), r.resolve(GreeterService), r.resolve<Logger>(LOGGER))),
  });
  c.register(HttpServer, {
    useFactory: instanceCachingFactory((r) => newHTTPServer(r.resolve<ServerConf>(SERVER_CONF), r.resolve(GreeterService), r.resolve<Logger>(LOGGER))),
  });
}
