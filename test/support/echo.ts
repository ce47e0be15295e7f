import { create } from "@bufbuild/protobuf";
import { durationMs } from "@bufbuild/protobuf/wkt";
import type { Context } from "@kratos-ts/kratos/context";
import { KratosError } from "@kratos-ts/kratos/errors";
import type { Logger } from "@kratos-ts/kratos/log";
import type { Middleware } from "@kratos-ts/kratos/middleware";
import { recovery } from "@kratos-ts/kratos/middleware";
import { GRPCServer } from "@kratos-ts/kratos/transport/grpc";
import { HTTPServer } from "@kratos-ts/kratos/transport/http";
import { type EchoServer, registerEchoServer } from "../api/echo/v1/echo_grpc.js";
import { registerEchoHTTPServer } from "../api/echo/v1/echo_http.js";
import { type EchoReply, EchoReplySchema, type EchoRequest, type FailRequest } from "../api/echo/v1/echo_pb.js";

/** EchoService answers with what it got and what the context said; Fail fails as asked. */
export class EchoService implements EchoServer {
  readonly contexts: Context[] = [];

  private echo(ctx: Context, req: EchoRequest): EchoReply {
    this.contexts.push(ctx);
    return create(EchoReplySchema, { request: req, transport: ctx.kind, operation: ctx.operation, inner: req.inner });
  }

  async get(ctx: Context, req: EchoRequest) {
    return this.echo(ctx, req);
  }
  async create(ctx: Context, req: EchoRequest) {
    return this.echo(ctx, req);
  }
  async update(ctx: Context, req: EchoRequest) {
    return this.echo(ctx, req);
  }
  async resource(ctx: Context, req: EchoRequest) {
    return this.echo(ctx, req);
  }
  async internal(ctx: Context, req: EchoRequest) {
    return this.echo(ctx, req);
  }

  async fail(ctx: Context, req: FailRequest): Promise<EchoReply> {
    this.contexts.push(ctx);
    switch (req.mode) {
      case "error":
        throw new KratosError(404, "USER_NOT_FOUND", "user not found", { user: "kratos" });
      case "panic":
        throw new TypeError("secret internal detail");
      case "header":
        ctx.replyHeader.set("x-echo", "yes");
        return create(EchoReplySchema, { transport: ctx.kind });
      case "header-bin":
        ctx.replyHeader.addBinary("x-echo-bin", new Uint8Array([0, 1, 254, 255]));
        return create(EchoReplySchema, { transport: ctx.kind });
      case "bad-header":
        // A value no transport can carry: a handler bug that must become an error reply, never a hung call.
        ctx.replyHeader.set("x-echo", "line\nbreak");
        return create(EchoReplySchema, { transport: ctx.kind });
      case "deadline":
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
        throw new KratosError(504, "DEADLINE", String((ctx.signal.reason as Error).message));
      default:
        await new Promise((resolve) => setTimeout(resolve, req.wait ? durationMs(req.wait) : 0));
        return create(EchoReplySchema, { transport: ctx.kind });
    }
  }
}

export interface EchoServers {
  echo: EchoService;
  http: HTTPServer;
  grpc: GRPCServer;
  httpURL: string;
  grpcAddress: string;
  stop(): Promise<void>;
}

/** startEchoServers serves EchoService on both transports, on ephemeral loopback ports. */
export async function startEchoServers(
  logger: Logger,
  opts: { timeout?: number; middleware?: Middleware[]; beforeStart?: (http: HTTPServer) => void } = {},
): Promise<EchoServers> {
  const echo = new EchoService();
  const middleware = [recovery(logger), ...(opts.middleware ?? [])];
  const timeout = opts.timeout ?? 1000;
  const http = new HTTPServer({ address: "127.0.0.1:0", timeout, middleware, logger, maxBodyBytes: 1024 });
  const grpc = new GRPCServer({ address: "127.0.0.1:0", timeout, middleware, logger });
  registerEchoHTTPServer(http, echo);
  registerEchoServer(grpc, echo);
  opts.beforeStart?.(http);
  await Promise.all([http.start(), grpc.start()]);
  return {
    echo,
    http,
    grpc,
    httpURL: `http://${http.address}`,
    grpcAddress: grpc.address,
    async stop() {
      const force = new AbortController();
      await Promise.all([http.stop(force.signal), grpc.stop(force.signal)]);
    },
  };
}
