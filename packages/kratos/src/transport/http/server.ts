import { type Server as NodeServer, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { DescService, Message } from "@bufbuild/protobuf";
import express, { type NextFunction, type Request, type Response } from "express";
import { Header } from "../../context/header.js";
import { TransportContext, deadlineAfter, operationOf } from "../../context/context.js";
import { KratosError } from "../../errors/errors.js";
import { publicError } from "../../errors/public.js";
import type { Logger } from "../../log/logger.js";
import { type Handler, type Middleware, chain } from "../../middleware/middleware.js";
import { formatAddress, listenError, parseAddress } from "../address.js";
import type { Server } from "../server.js";
import { type Body, type Query, bindRequest, codecError } from "./binding.js";
import { JSON_TYPE, codecForAccept, codecForContentType, encodeReply, encodeStatus, mediaType } from "./codec.js";
import { type CompiledPath, type Route, compilePath } from "./route.js";
import { bindingsOf } from "./rules.js";

export interface HTTPServerOptions {
  /** host:port to listen on; :0 picks a free port. */
  address: string;
  /** The deadline of each request, in milliseconds. */
  timeout: number;
  middleware?: Middleware[];
  logger: Logger;
  /** Bodies larger than this get 413; 4 MiB by default, as gRPC's receive limit. */
  maxBodyBytes?: number;
}

interface Bound {
  compiled: CompiledPath;
  method: string;
}

/** HTTPServer serves the google.api.http bindings of registered services over express. */
export class HTTPServer implements Server {
  private readonly app = express();
  private readonly router = express.Router();
  private readonly bound: Bound[] = [];
  private readonly middleware: Middleware;
  private readonly maxBodyBytes: number;
  private server?: NodeServer;
  private listenAddress = "";
  private stopping = false;

  constructor(private readonly opts: HTTPServerOptions) {
    this.middleware = chain(...(opts.middleware ?? []));
    this.maxBodyBytes = opts.maxBodyBytes ?? 4 * 1024 * 1024;
    this.app.disable("x-powered-by");
    this.app.disable("etag");
    this.app.use(this.router);
    this.app.use((req: Request, res: Response) => this.unmatched(req, res));
    this.app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => this.writeError(res, routerError(err), req.path));
  }

  /**
   * registerService serves every google.api.http binding of a service's methods, by the method of impl
   * named after each RPC's localName, through the middleware chain.
   *
   * Routes are read from the descriptor at registration, as GRPCServer derives its grpc-js definition:
   * the descriptor embedded in *_pb.ts is the one source of both, so no generated table can disagree with it.
   *
   * @example
   * server.registerService(Greeter, greeterService); // GET /helloworld/{name} -> greeterService.sayHello
   */
  registerService(service: DescService, impl: object): void {
    for (const rpc of service.methods) for (const binding of bindingsOf(rpc)) this.addRoute({ ...binding, rpc }, impl);
  }

  /** The address the server listens on, with the port it got; empty before start. */
  get address(): string {
    return this.listenAddress;
  }

  async start(): Promise<void> {
    const { host, port } = parseAddress(this.opts.address);
    const server = createServer(this.app);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err: NodeJS.ErrnoException) => reject(listenError("[HTTP]", this.opts.address, err)));
      server.listen(port, host, () => resolve());
    });
    const info = server.address() as AddressInfo;
    this.listenAddress = formatAddress(info.address, info.port);
    this.opts.logger.info(`[HTTP] server listening on: ${this.listenAddress}`);
  }

  async stop(force: AbortSignal): Promise<void> {
    const server = this.server;
    if (!server?.listening) return;
    this.opts.logger.info("[HTTP] server stopping");
    this.stopping = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const onForce = () => {
      this.opts.logger.warn("[HTTP] server couldn't stop gracefully in time, doing force stop");
      server.closeAllConnections();
    };
    if (force.aborted) onForce();
    else force.addEventListener("abort", onForce, { once: true });
    try {
      await closed;
    } finally {
      force.removeEventListener("abort", onForce);
    }
  }

  private addRoute(route: Route, impl: object): void {
    const method = (impl as Record<string, unknown>)[route.rpc.localName];
    if (typeof method !== "function") throw new Error(`${route.rpc.parent.typeName} implementation has no method ${route.rpc.localName}`);
    const operation = operationOf(route.rpc);
    const handler: Handler = this.middleware((ctx, req) => method.call(impl, ctx, req));
    const compiled = compilePath(route.path);
    const verb = route.method.toUpperCase();
    this.bound.push({ compiled, method: verb });
    const readBody = route.body
      ? express.raw({ type: () => true, limit: this.maxBodyBytes })
      : (_req: Request, _res: Response, next: NextFunction) => next();
    this.router.all(compiled.regex, (req, res, next) => {
      if (req.method !== verb && !(verb === "GET" && req.method === "HEAD")) return next();
      readBody(req, res, (err?: unknown) => {
        if (err) return this.writeError(res, bodyError(err, this.maxBodyBytes), operation);
        void this.serve(req, res, route, compiled, operation, handler);
      });
    });
  }

  private async serve(req: Request, res: Response, route: Route, compiled: CompiledPath, operation: string, handler: Handler): Promise<void> {
    const ctx = new TransportContext({
      kind: "http",
      method: route.rpc,
      operation,
      deadline: deadlineAfter(this.opts.timeout),
      raw: req,
      requestHeader: () => requestHeader(req),
      onClientGone: (abort) => res.once("close", () => res.writableFinished || abort()),
    });
    try {
      const input = bindRequest(route.rpc.input, bodyOf(req, route.body), req.query as Query, pathVars(req.params, compiled));
      const reply = (await handler(ctx, input)) as Message;
      const header = ctx.replyHeaderIfSet;
      if (header) for (const key of header.keys()) res.setHeader(key, header.values(key));
      const { type, body } = encodeReply(route.rpc.output, reply, route.responseBody, codecForAccept(req.headers.accept));
      this.send(res, 200, type, body);
    } catch (err) {
      this.writeError(res, err, operation);
    } finally {
      ctx.done();
    }
  }

  private unmatched(req: Request, res: Response): void {
    const allowed = this.bound.filter((b) => b.compiled.regex.test(req.path)).map((b) => b.method);
    if (allowed.length === 0) {
      this.writeError(res, new KratosError(404, "NOT_FOUND", `no route matches ${req.method} ${req.path}`), req.path);
      return;
    }
    if (allowed.includes("GET")) allowed.push("HEAD");
    res.setHeader("Allow", [...new Set(allowed)].join(", "));
    if (req.method === "OPTIONS") {
      res.status(204).end();
      return;
    }
    this.writeError(res, new KratosError(405, "METHOD_NOT_ALLOWED", `method ${req.method} is not allowed on ${req.path}`), req.path);
  }

  /** writeError answers with the error in the Kratos JSON, whatever Accept asked for: Kratos clients decode errors by their Content-Type. */
  private writeError(res: Response, err: unknown, operation: string): void {
    const e = publicError(err, this.opts.logger, { kind: "http", operation });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    this.send(res, e.code >= 200 && e.code <= 599 ? e.code : 500, JSON_TYPE, encodeStatus(e));
  }

  private send(res: Response, status: number, type: string, body: string | Uint8Array): void {
    res.status(status).setHeader("Content-Type", type);
    // A keep-alive connection whose request finishes during a stop must not stay open until the force stop.
    if (this.stopping) res.setHeader("Connection", "close");
    res.end(body);
  }
}

function requestHeader(req: Request): Header {
  const header = new Header();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) header.add(raw[i] as string, raw[i + 1] as string);
  return header;
}

// The router matched the route's regex and decoded its groups into params 0, 1, ...; a bad encoding never gets here.
function pathVars(params: Request["params"], compiled: CompiledPath): Array<[string[], string]> {
  return compiled.vars.map((field, i) => [field, params[i] as string]);
}

/** bodyOf is the body read for a binding, with the codec its Content-Type names; undefined when empty. */
function bodyOf(req: Request, field: string): Body | undefined {
  if (!field) return undefined;
  const raw = req.body as Buffer | undefined;
  if (!raw || raw.length === 0) return undefined;
  const contentType = req.headers["content-type"];
  const codec = codecForContentType(contentType);
  if (!codec) throw codecError(`unsupported Content-Type: ${mediaType(contentType ?? "") || "(none)"}`, 415);
  return { field, raw, codec };
}

function bodyError(err: unknown, limit: number): KratosError {
  const type = (err as { type?: string }).type;
  if (type === "entity.too.large") return codecError(`request body is larger than ${limit} bytes`, 413);
  if (type === "encoding.unsupported") return codecError("unsupported Content-Encoding", 415);
  return codecError(`cannot read request body: ${(err as Error).message}`);
}

// The router itself fails a request only when it cannot decode the path.
function routerError(err: unknown): unknown {
  return err instanceof URIError ? codecError("invalid percent-encoding in path") : err;
}
