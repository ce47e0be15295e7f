import { GRPCServer } from "@kratos-ts/kratos/transport/grpc";
import { HTTPServer } from "@kratos-ts/kratos/transport/http";
import { type DependencyContainer, instanceCachingFactory } from "tsyringe";
import { SERVER_CONF, type ServerConf } from "../conf/conf.js";
import { GreeterService } from "../service/greeter.js";
import { LIMITER, newLimiter, serverDeps } from "./deps.js";
import { newGRPCServer } from "./grpc.js";
import { newHTTPServer } from "./http.js";

/** serverProviders registers the transports, as server.ProviderSet does. */
export function serverProviders(c: DependencyContainer): void {
  c.register(LIMITER, { useFactory: instanceCachingFactory((r) => newLimiter(r.resolve<ServerConf>(SERVER_CONF).ratelimit)) });
  c.register(GRPCServer, {
    useFactory: instanceCachingFactory((r) => newGRPCServer(r.resolve<ServerConf>(SERVER_CONF), r.resolve(GreeterService), serverDeps(r))),
  });
  c.register(HTTPServer, {
    useFactory: instanceCachingFactory((r) => newHTTPServer(r.resolve<ServerConf>(SERVER_CONF), r.resolve(GreeterService), serverDeps(r))),
  });
}
