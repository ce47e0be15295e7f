import "reflect-metadata";
import { credentials } from "@grpc/grpc-js";
import type { App } from "@kratos-ts/kratos";
import { type Logger, newLogger } from "@kratos-ts/kratos/log";
import { LogCapture } from "@kratos-ts/kratos/testing";
import { GRPCServer } from "@kratos-ts/kratos/transport/grpc";
import { HTTPServer } from "@kratos-ts/kratos/transport/http";
import type { DependencyContainer } from "tsyringe";
import { GreeterClient } from "../../api/helloworld/v1/greeter_grpc.js";
import { wireApp } from "../../cmd/helloworld/wire.js";
import { Bootstrap } from "../../internal/conf/conf.js";

export interface RunningApp {
  app: App;
  container: DependencyContainer;
  /** http://127.0.0.1:<port> */
  httpURL: string;
  /** 127.0.0.1:<port> */
  grpcAddress: string;
  /** A Greeter client on grpcAddress, closed by stop. */
  client: GreeterClient;
  logs: LogCapture;
  logger: Logger;
  /** Resolves when run() has returned. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** startApp wires the real app, as main does, on ephemeral loopback ports with its logs captured. */
export async function startApp(config: Record<string, unknown> = {}): Promise<RunningApp> {
  const server = (config.server ?? {}) as { http?: object; grpc?: object };
  const bc = Bootstrap.parse({
    // A database of its own unless the test names one, so tests that run at once share nothing.
    data: { database: { driver: "sqlite", source: ":memory:" } },
    ...config,
    server: {
      // The limiter off unless asked for: in one process with its clients, the event loop's load is the test's too.
      ratelimit: { enabled: false },
      ...server,
      http: { addr: "127.0.0.1:0", ...server.http },
      grpc: { addr: "127.0.0.1:0", ...server.grpc },
    },
  });
  const logs = new LogCapture();
  const logger = newLogger({ id: "test-host", name: "helloworld", version: "test", destination: logs });
  const { app, cleanup, container } = wireApp(bc, logger);
  const done = app.run().finally(cleanup);
  await app.started;
  const grpcAddress = container.resolve(GRPCServer).address;
  const client = new GreeterClient(grpcAddress, credentials.createInsecure());
  return {
    app,
    container,
    httpURL: `http://${container.resolve(HTTPServer).address}`,
    grpcAddress,
    client,
    logs,
    logger,
    done,
    async stop() {
      client.close();
      app.stop();
      await done;
    },
  };
}
