import { LOGGER, type Logger } from "@kratos-ts/kratos/log";
import { GRPCServer } from "@kratos-ts/kratos/transport/grpc";
import { HTTPServer } from "@kratos-ts/kratos/transport/http";
import { type DependencyContainer, instanceCachingFactory } from "tsyringe";
import { LOG_CONF, type LogConf, SERVER_CONF, type ServerConf } from "../conf/conf.js";
import { GreeterService } from "../service/greeter.js";
import { newGRPCServer } from "./grpc.js";
import { newHTTPServer } from "./http.js";

/** serverProviders registers the transports, as server.ProviderSet does. */
export function serverProviders(c: DependencyContainer): void {
  c.register(GRPCServer, {
    useFactory: instanceCachingFactory((r) =>
      newGRPCServer(r.resolve<ServerConf>(SERVER_CONF), r.resolve(GreeterService), r.resolve<Logger>(LOGGER), r.resolve<LogConf>(LOG_CONF)),
    ),
  });
  c.register(HTTPServer, {
    useFactory: instanceCachingFactory((r) =>
      newHTTPServer(r.resolve<ServerConf>(SERVER_CONF), r.resolve(GreeterService), r.resolve<Logger>(LOGGER), r.resolve<LogConf>(LOG_CONF)),
    ),
  });
}
