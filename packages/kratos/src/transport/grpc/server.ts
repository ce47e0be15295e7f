import type { Http2Server } from "node:http2";
import { createServer, type Server as NetServer } from "node:net";
import type { DescMethod, DescService, Message } from "@bufbuild/protobuf";
import {
  Server as GRPCJSServer,
  status as GRPCStatus,
  Metadata,
  ServerCredentials,
  type ServerUnaryCall,
  type StatusObject,
  type sendUnaryData,
  setLogger,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { deadlineAfter, operationOf, TransportContext } from "../../context/context.js";
import { runInContext } from "../../context/current.js";
import { toGRPCStatus } from "../../errors/grpc.js";
import { publicError } from "../../errors/public.js";
import { file_google_rpc_error_details } from "../../gen/google/rpc/error_details_pb.js";
import { file_google_rpc_status } from "../../gen/google/rpc/status_pb.js";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import * as reflectionV1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as reflectionV1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import type { Logger } from "../../log/logger.js";
import { chain, type Handler, type Middleware } from "../../middleware/middleware.js";
import type { Limiter } from "../../ratelimit/limiter.js";
import { listen } from "../address.js";
import { withinDeadline } from "../deadline.js";
import { cut, type Server } from "../server.js";
import { type ConnectionPolicy, GRPC_CONNECTION_POLICY, guardConnections } from "./connection.js";
import { definitionOf } from "./definition.js";
import { HealthService, type HealthServiceOptions, ServingStatus } from "./health.js";
import { headerOf, metadataOf } from "./metadata.js";
import { ReflectionService } from "./reflection.js";
import { shedStreams } from "./shed.js";

export interface GRPCServerOptions {
  /** host:port to listen on; :0 picks a free port. */
  address: string;
  /** The deadline of each call, in milliseconds; a client's earlier deadline wins. */
  timeout: number;
  middleware?: Middleware[];
  logger: Logger;
  /** The health service's options: a readiness the services marked SERVING follow. */
  health?: HealthServiceOptions;
  /** The largest request message, in bytes, as grpc-go's MaxRecvMsgSize: over it, RESOURCE_EXHAUSTED; 4 MiB by default. */
  maxRecvMsgSize?: number;
  /** How many calls one connection may have open at once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS); 1000 by default. */
  maxConcurrentStreams?: number;
  /** The handshake timeout and the keepalive enforcement of each connection; GRPC_CONNECTION_POLICY by default. */
  connection?: Partial<ConnectionPolicy>;
  /** Sheds calls as they arrive, before the middleware chain; the health and reflection services never are. */
  limiter?: Limiter;
  /** Hears of each shed call, by its operation, to count it: no access line is written for it. */
  onShed?: (operation: string) => void;
}

/** The limits a GRPCServer applies unless told otherwise. */
export const GRPC_LIMITS = {
  maxRecvMsgSize: 4 * 1024 * 1024,
  maxConcurrentStreams: 1000,
} as const;

/** GRPCServer serves registered services, plus health and server reflection, over grpc-js. */
export class GRPCServer implements Server {
  readonly health: HealthService;
  private readonly reflection = new ReflectionService();
  private readonly server: GRPCJSServer;
  private readonly middleware: Middleware;
  private listenAddress = "";
  private listener?: NetServer;
  /** The operations of the registered services, the labels a shed call may be counted under. */
  private readonly operations = new Set<string>();
  /** Calls in flight, answered UNAVAILABLE if a stop has to force them down, as grpc-go's clients see it. */
  private readonly inFlight = new Set<(err: StatusObject) => void>();

  constructor(private readonly opts: GRPCServerOptions) {
    this.middleware = chain(...(opts.middleware ?? []));
    this.server = new GRPCJSServer({
      "grpc.max_receive_message_length": opts.maxRecvMsgSize ?? GRPC_LIMITS.maxRecvMsgSize,
      "grpc.max_concurrent_streams": opts.maxConcurrentStreams ?? GRPC_LIMITS.maxConcurrentStreams,
    });
    this.health = new HealthService(opts.health);
    // grpc-js writes its own diagnostics to stderr; they go to our logger instead, below the errors we report.
    setLogger(grpcJsLogger(opts.logger));
    this.addInternal(Health, this.health.handlers());
    this.addInternal(reflectionV1.ServerReflection, this.reflection.handlers(reflectionV1));
    this.addInternal(reflectionV1alpha.ServerReflection, this.reflection.handlers(reflectionV1alpha));
    // Every error carries a google.rpc.Status with an ErrorInfo in grpc-status-details-bin; clients resolve them here.
    this.reflection.addFile(file_google_rpc_status);
    this.reflection.addFile(file_google_rpc_error_details);
  }

  /**
   * registerService serves every method of a service through the middleware chain, by the method of
   * impl named after each RPC's localName. The grpc-js definition is derived from the descriptor.
   *
   * @example
   * server.registerService(Greeter, { sayHello: async (ctx, req) => create(HelloReplySchema, { message: `Hello ${req.name}` }) });
   */
  registerService(service: DescService, impl: object): void {
    const handlers: UntypedServiceImplementation = {};
    for (const method of service.methods) {
      const fn = (impl as Record<string, unknown>)[method.localName];
      if (typeof fn !== "function") throw new Error(`${service.typeName} implementation has no method ${method.localName}`);
      if (method.methodKind !== "unary") throw new Error(`${operationOf(method)}: streaming methods are not supported yet`);
      const handler: Handler = this.middleware(withinDeadline((ctx, req) => fn.call(impl, ctx, req)));
      handlers[method.localName] = this.unary(method, handler);
      this.operations.add(operationOf(method));
    }
    this.server.addService(definitionOf(service), handlers);
    this.reflection.addService(service);
    this.health.setStatus(service.typeName, ServingStatus.SERVING);
  }

  /** The address the server listens on, with the port it got; empty before start. */
  get address(): string {
    return this.listenAddress;
  }

  async start(): Promise<void> {
    // Our own listener hands each socket to grpc-js, whose HTTP/2 server for them is where each session is watched.
    const injector = this.server.createConnectionInjector(ServerCredentials.createInsecure());
    const policy = { ...GRPC_CONNECTION_POLICY, ...this.opts.connection };
    const http2Server = injectorServer(this.server);
    if (this.opts.limiter) shedStreams(http2Server, this.opts.limiter, this.operations, this.opts.onShed);
    const accept = guardConnections(http2Server, (socket) => injector.injectConnection(socket), policy);
    const listener = createServer({ noDelay: true }, accept);
    this.listenAddress = await listen(listener, "[gRPC]", this.opts.address);
    this.listener = listener;
    this.opts.logger.info(`[gRPC] server listening on: ${this.listenAddress}`);
  }

  async stop(force: AbortSignal): Promise<void> {
    const listener = this.listener;
    if (!listener) return;
    this.listener = undefined;
    // The listener closes once every connection it accepted has: the stop waits on that too, as tryShutdown
    // alone doesn't on Node 24, whose HTTP/2 server marks every session closed the moment it is told to close.
    const connectionsClosed = new Promise<void>((resolve) => listener.close(() => resolve()));
    this.health.shutdown();
    this.reflection.shutdown();
    this.opts.logger.info("[gRPC] server stopping");
    const onForce = () => {
      this.opts.logger.warn(`[gRPC] server couldn't stop gracefully in time, doing force stop: ${cut(this.inFlight.size)}`);
      for (const abandon of this.inFlight) abandon({ code: GRPCStatus.UNAVAILABLE, details: "server is shutting down", metadata: new Metadata() });
      this.server.forceShutdown();
    };
    try {
      await new Promise<void>((resolve) => {
        this.server.tryShutdown(() => resolve());
        if (force.aborted) onForce();
        else force.addEventListener("abort", onForce, { once: true });
      });
      await connectionsClosed;
    } finally {
      force.removeEventListener("abort", onForce);
    }
  }

  private addInternal(service: DescService, handlers: object): void {
    this.server.addService(definitionOf(service), handlers as UntypedServiceImplementation);
    this.reflection.addService(service);
  }

  private unary(method: DescMethod, handler: Handler) {
    const operation = operationOf(method);
    return (call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) => {
      const callDeadline = Number(call.getDeadline());
      const deadline = Math.min(deadlineAfter(this.opts.timeout), Number.isFinite(callDeadline) ? callDeadline : Infinity);
      const ctx = new TransportContext({
        kind: "grpc",
        method,
        operation,
        deadline,
        raw: call,
        requestHeader: () => headerOf(call.metadata),
        onClientGone: (abort) => call.once("cancelled", abort),
      });
      let answered = false;
      const answer: sendUnaryData<Message> = (err, reply) => {
        if (answered) return;
        answered = true;
        this.inFlight.delete(abandon);
        callback(err, reply);
      };
      const abandon = (err: StatusObject) => answer(err);
      const fail = (err: unknown) => answer(toGRPCStatus(publicError(err, this.opts.logger, ctx)));
      this.inFlight.add(abandon);
      runInContext(ctx, () => handler(ctx, call.request))
        .then((reply) => {
          if (answered) return;
          const header = ctx.replyHeaderIfSet;
          // A header gRPC cannot carry is the handler's bug: the call gets INTERNAL rather than hanging.
          if (header) call.sendMetadata(metadataOf(header));
          answer(null, reply as Message);
        }, fail)
        .catch(fail)
        .finally(() => ctx.done());
    };
  }
}

/** injectorServer finds the HTTP/2 server grpc-js made for the connection injector it just created: grpc-js keeps it private. */
function injectorServer(server: GRPCJSServer): Http2Server {
  const servers = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  const made = servers ? [...servers.keys()].at(-1) : undefined;
  if (!made) throw new Error("grpc-js keeps no HTTP/2 server for its connection injector where this version expects it");
  return made;
}

function grpcJsLogger(logger: Logger): Partial<Console> {
  const log = (...args: unknown[]) => logger.debug({ component: "grpc-js" }, args.map(String).join(" "));
  return { error: log, info: log, debug: log };
}
