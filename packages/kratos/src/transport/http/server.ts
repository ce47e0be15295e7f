import { createServer, type IncomingMessage, type Server as NodeServer, type ServerOptions, type ServerResponse } from "node:http";
import { Server as NetServer } from "node:net";
import { parse as parseQuery } from "node:querystring";
import type { Duplex } from "node:stream";
import type { DescService, Message } from "@bufbuild/protobuf";
import express, { type NextFunction, type Request, type Response } from "express";
import { deadlineAfter, operationOf, TransportContext } from "../../context/context.js";
import { runInContext } from "../../context/current.js";
import { Header } from "../../context/header.js";
import { KratosError } from "../../errors/errors.js";
import { publicError } from "../../errors/public.js";
import type { Logger } from "../../log/logger.js";
import { chain, type Handler, type Middleware } from "../../middleware/middleware.js";
import { ErrLimitExceed, type Limiter } from "../../ratelimit/limiter.js";
import { quote } from "../../text.js";
import { listen } from "../address.js";
import { withinDeadline } from "../deadline.js";
import { cut, type Server } from "../server.js";
import { type Body, bindRequest, codecError, type Query } from "./binding.js";
import { codecForAccept, codecForContentType, encodeReply, encodeStatus, JSON_TYPE, mediaType } from "./codec.js";
import type { Route } from "./route.js";
import { bindingsOf } from "./rules.js";
import { cleanPath, type Found, RouteTable } from "./table.js";

export interface HTTPServerOptions {
  /** host:port to listen on; :0 picks a free port. */
  address: string;
  /** The deadline of each request, in milliseconds. */
  timeout: number;
  middleware?: Middleware[];
  logger: Logger;
  /** Bodies larger than this get 413 in the Kratos error JSON; 1 MiB by default. */
  maxBodyBytes?: number;
  /**
   * The most a client may take to send a request's headers, in milliseconds, as Go's ReadHeaderTimeout: then it
   * gets 408 and its connection is closed, so a slowloris socket does not stay open; 10 s by default, and never
   * more than readTimeout.
   */
  readHeaderTimeout?: number;
  /** The most a client may take to send a whole request, body included, as Go's ReadTimeout; 30 s by default, 0 for none. */
  readTimeout?: number;
  /** How long a keep-alive connection may stay idle between requests, as Go's IdleTimeout; 5 s by default. */
  idleTimeout?: number;
  /** The largest request head (request line and headers), in bytes, as Go's MaxHeaderBytes: over it, 431; 16 KiB by default, Node's. */
  maxHeaderBytes?: number;
  /** Sheds requests as they arrive, before they are read or routed; routes added by handle(), such as /healthz, never are. */
  limiter?: Limiter;
  /** Hears of each shed request, by its operation ("" when no route matches: a path is no label for a metric), to count it: no access line is written for it. */
  onShed?: (operation: string) => void;
}

/** The body every shed request gets, encoded once: under overload each one must cost as little as it can. */
const SHED_BODY = encodeStatus(ErrLimitExceed);

/** How long, at most, a stop leaves an idle keep-alive connection open for a request already on its way. */
const STOP_IDLE_GRACE_MS = 1000;

/** The limits an HTTPServer applies unless told otherwise. */
export const HTTP_LIMITS = {
  maxBodyBytes: 1024 * 1024,
  readHeaderTimeout: 10_000,
  readTimeout: 30_000,
  idleTimeout: 5_000,
  maxHeaderBytes: 16 * 1024,
} as const;

/** A handler of a route that is no RPC, such as /metrics or /healthz: it answers on the raw request and response. */
export type PlainHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** A registered binding, ready to serve, or a plain route. */
interface Rpc {
  route: Route;
  operation: string;
  handler: Handler;
  plain?: undefined;
}
type Served = Rpc | { plain: PlainHandler; operation: string };

const emptyQuery: Query = Object.freeze({}) as Query;

/**
 * HTTPServer serves the google.api.http bindings of registered services, and the routes added by handle(),
 * from a RouteTable (literal paths in a Map, templates after, per method) on Node's http server; every other
 * request goes to its express application, `app`, where express routes and middleware can be mounted, and then
 * to the answers below. The table is looked up before express: express's per-request set-up (its request and
 * response prototypes, its router) cost more than the rest of a SayHello did.
 *
 * Unmatched requests are answered as Go Kratos's gorilla/mux router does with StrictSlash(true), except where
 * noted:
 *
 * - an unclean path (//, /./, /../) gets 301 to the cleaned path, whatever the method, before any lookup;
 * - a path with a trailing slash whose route has none (or the other way round) gets 301 to the other form;
 * - a path some route serves with another method gets 405 with Allow; OPTIONS gets 204 with Allow, and
 *   HEAD is served as GET. Go Kratos answers both with its not-found handler, and does not serve HEAD;
 * - any other path gets 404 in the Kratos error JSON; Go Kratos answers plain "404 page not found".
 *
 * The 301s keep the query string and carry no body. Go's clean-path redirect has none either; its trailing-slash
 * redirect goes through http.Redirect, which adds a short text/html link for GET.
 */
export class HTTPServer implements Server {
  /**
   * app is the express application that serves what no binding and no handle() route does, before the 404:
   * mount routes and middleware on it before start.
   *
   * @example
   * server.app.use("/static", express.static("public"));
   */
  readonly app = express();
  private readonly table = new RouteTable<Served>();
  private readonly middleware: Middleware;
  private readonly readBody: (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
  private readonly maxBodyBytes: number;
  private server?: NodeServer;
  private listenAddress = "";
  private stopping = false;
  /** Requests being served, for the count a forced stop reports. */
  private inFlight = 0;

  constructor(private readonly opts: HTTPServerOptions) {
    this.middleware = chain(...(opts.middleware ?? []));
    this.maxBodyBytes = opts.maxBodyBytes ?? HTTP_LIMITS.maxBodyBytes;
    this.readBody = express.raw({ type: () => true, limit: this.maxBodyBytes });
    this.app.disable("x-powered-by");
    this.app.disable("etag");
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

  /**
   * handle serves a route that is no RPC, outside the middleware chain, as Kratos's srv.Handle does: for
   * endpoints such as /metrics or /healthz. The path is literal; HEAD is served as GET.
   *
   * @example
   * server.handle("GET", "/healthz", (_req, res) => res.end("ok"));
   */
  handle(method: string, path: string, handler: PlainHandler): void {
    if (!path.startsWith("/") || path.includes("{")) throw new Error(`handle ${method} ${path}: the path must be literal and start with /`);
    this.table.add(method.toUpperCase(), path, { plain: handler, operation: path });
  }

  /** The address the server listens on, with the port it got; empty before start. */
  get address(): string {
    return this.listenAddress;
  }

  async start(): Promise<void> {
    // Last, after whatever was mounted on app: what nothing served is answered as the class comment says.
    this.app.use((req: Request, res: Response) => this.unmatched(req, res));
    this.app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => this.writeError(res, err, req.url));
    const server = createServer(this.nodeServerOptions(), (req, res) => this.accept(req, res));
    // Node hands CONNECT to a 'connect' listener, or drops the socket without a word when there is none.
    server.on("connect", (req: IncomingMessage, socket: Duplex) => this.refuseConnect(req, socket));
    this.server = server;
    this.listenAddress = await listen(server, "[HTTP]", this.opts.address);
    this.opts.logger.info(`[HTTP] server listening on: ${this.listenAddress}`);
  }

  async stop(force: AbortSignal): Promise<void> {
    const server = this.server;
    if (!server?.listening) return;
    this.opts.logger.info("[HTTP] server stopping");
    this.stopping = true;
    // Only the listener closes now. http.Server#close would also close the idle keep-alive connections at once,
    // resetting any request a client wrote on one an instant before: each open connection instead gets its
    // next response with Connection: close, or is closed once idle through the grace.
    const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
    const grace = setTimeout(() => server.close(), Math.min(STOP_IDLE_GRACE_MS, this.opts.idleTimeout ?? HTTP_LIMITS.idleTimeout));
    const onForce = () => {
      this.opts.logger.warn(`[HTTP] server couldn't stop gracefully in time, doing force stop: ${cut(this.inFlight)}`);
      server.closeAllConnections();
    };
    if (force.aborted) onForce();
    else force.addEventListener("abort", onForce, { once: true });
    try {
      await closed;
    } finally {
      clearTimeout(grace);
      // Releases what http.Server#close releases besides the connections, such as its timeout checks.
      server.close();
      force.removeEventListener("abort", onForce);
    }
  }

  private addRoute(route: Route, impl: object): void {
    const method = (impl as Record<string, unknown>)[route.rpc.localName];
    if (typeof method !== "function") throw new Error(`${route.rpc.parent.typeName} implementation has no method ${route.rpc.localName}`);
    const handler: Handler = this.middleware(withinDeadline((ctx, req) => method.call(impl, ctx, req)));
    this.table.add(route.method.toUpperCase(), route.path, { route, operation: operationOf(route.rpc), handler });
  }

  /**
   * accept dispatches a request, with an absolute-form target (GET http://host/path) cut to its path, as the
   * authority names no route: express cannot read every such target, and one no URL parser reads is a 400.
   */
  private accept(req: IncomingMessage, res: ServerResponse): void {
    if (this.opts.limiter && !this.opts.limiter.allow() && this.shed(req, res)) return;
    const url = req.url ?? "/";
    if (url.charCodeAt(0) !== 47 /* / */) {
      const path = absolutePath(url);
      if (path === undefined) {
        this.writeError(res, new KratosError(400, "BAD_REQUEST", `invalid request target ${quote(url, 256)}`), "");
        return;
      }
      req.url = path;
    }
    this.dispatch(req, res);
  }

  /** shed answers a request the limiter refused with ErrLimitExceed, unless a route added by handle() serves it: false then. */
  private shed(req: IncomingMessage, res: ServerResponse): boolean {
    const { path } = splitTarget(req.url ?? "/");
    const found = this.table.find(req.method ?? "GET", path);
    if (found?.value.plain) return false;
    this.opts.onShed?.(found ? found.value.operation : "");
    this.send(res, 429, JSON_TYPE, SHED_BODY);
    return true;
  }

  /** dispatch serves a request from the table; what no table route serves goes to the express app. */
  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    const { path, search } = splitTarget(req.url ?? "/");
    const clean = cleanPath(path);
    if (clean !== path) {
      this.redirect(res, clean + search);
      return;
    }
    const found = this.table.find(req.method ?? "GET", path);
    if (!found) this.serveByExpress(req, res);
    // StrictSlash: a route matched with a slash its template does not end in moves to the form without it.
    else if (endsWithSlash(path) !== endsWithSlash(found.template)) this.redirect(res, toggleSlash(path) + search);
    else this.serveFound(req, res, found, search);
  }

  /** serveByExpress hands a request to the express app, in flight and closing its connection during a stop as the table's requests do. */
  private serveByExpress(req: IncomingMessage, res: ServerResponse): void {
    this.inFlight++;
    res.once("close", () => this.inFlight--);
    this.closeIfStopping(res);
    this.app(req, res);
  }

  /** unmatched answers a request that neither the table nor anything mounted on app served: 301, 204, 405 or 404. */
  private unmatched(req: IncomingMessage, res: ServerResponse): void {
    const { path, search } = splitTarget(req.url ?? "/");
    const method = req.method ?? "GET";
    let allowed = this.table.allowed(path);
    if (allowed.length === 0 && path !== "/") {
      // StrictSlash: the other form of the path may name a route, to which the request moves if it serves
      // this method; otherwise the route's methods are the ones allowed, as gorilla/mux sees one route.
      const other = toggleSlash(path);
      const there = this.table.find(method, other);
      if (there && endsWithSlash(other) === endsWithSlash(there.template)) {
        this.redirect(res, other + search);
        return;
      }
      if (!there) allowed = this.table.allowed(other);
    }
    if (allowed.length === 0) {
      this.writeError(res, new KratosError(404, "NOT_FOUND", `no route matches ${method} ${path}`), path);
      return;
    }
    res.setHeader("Allow", allowed.join(", "));
    if (method === "OPTIONS") {
      res.statusCode = 204;
      this.closeIfStopping(res);
      res.end();
      return;
    }
    this.writeError(res, new KratosError(405, "METHOD_NOT_ALLOWED", `method ${method} is not allowed on ${path}`), path);
  }

  private serveFound(req: IncomingMessage, res: ServerResponse, found: Found<Served>, search: string): void {
    const served = found.value;
    if (served.plain) {
      void this.servePlain(req, res, served.plain, served.operation);
      return;
    }
    let vars: Array<[string[], string]>;
    try {
      vars = found.fields.map((field, i) => [field, decodeVar(found.vars[i] as string)]);
    } catch (err) {
      this.writeError(res, err, served.operation);
      return;
    }
    const query = search.length > 1 ? (parseQuery(search.slice(1)) as Query) : emptyQuery;
    if (!served.route.body) {
      void this.serve(req, res, served, undefined, query, vars);
      return;
    }
    this.readBody(req, res, (err?: unknown) => {
      if (err) return this.writeError(res, bodyError(err, this.maxBodyBytes), served.operation);
      let body: Body | undefined;
      try {
        body = bodyOf(req, served.route.body);
      } catch (e) {
        return this.writeError(res, e, served.operation);
      }
      void this.serve(req, res, served, body, query, vars);
    });
  }

  private async servePlain(req: IncomingMessage, res: ServerResponse, handler: PlainHandler, path: string): Promise<void> {
    this.inFlight++;
    try {
      this.closeIfStopping(res);
      await handler(req, res);
    } catch (err) {
      this.writeError(res, err, path);
    } finally {
      this.inFlight--;
    }
  }

  private async serve(
    req: IncomingMessage,
    res: ServerResponse,
    served: Rpc,
    body: Body | undefined,
    query: Query,
    vars: Array<[string[], string]>,
  ): Promise<void> {
    const { route, operation, handler } = served;
    const ctx = new TransportContext({
      kind: "http",
      method: route.rpc,
      operation,
      route: route.path,
      deadline: deadlineAfter(this.opts.timeout),
      raw: req,
      requestHeader: () => requestHeader(req),
      onClientGone: (abort) => res.once("close", () => res.writableFinished || abort()),
    });
    this.inFlight++;
    try {
      const input = bindRequest(route.rpc.input, body, query, vars);
      const reply = (await runInContext(ctx, () => handler(ctx, input))) as Message;
      const header = ctx.replyHeaderIfSet;
      if (header) for (const key of header.keys()) res.setHeader(key, header.values(key));
      const { type, body: out } = encodeReply(route.rpc.output, reply, route.responseBody, codecForAccept(req.headers.accept));
      this.send(res, 200, type, out);
    } catch (err) {
      this.writeError(res, err, operation);
    } finally {
      this.inFlight--;
      ctx.done();
    }
  }

  private redirect(res: ServerResponse, location: string): void {
    res.statusCode = 301;
    res.setHeader("Location", location);
    this.closeIfStopping(res);
    res.end();
  }

  /** writeError answers with the error in the Kratos JSON, whatever Accept asked for: Kratos clients decode errors by their Content-Type. */
  private writeError(res: ServerResponse, err: unknown, operation: string): void {
    const e = publicError(err, this.opts.logger, { kind: "http", operation });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    this.send(res, e.code >= 200 && e.code <= 599 ? e.code : 500, JSON_TYPE, encodeStatus(e));
  }

  /** nodeServerOptions are Node's names for the limits; its own defaults would keep a slowloris socket for over a minute. */
  private nodeServerOptions(): ServerOptions {
    const readTimeout = this.opts.readTimeout ?? HTTP_LIMITS.readTimeout;
    let headersTimeout = this.opts.readHeaderTimeout ?? HTTP_LIMITS.readHeaderTimeout;
    // Node refuses a header timeout longer than the request's; Go's ReadHeaderTimeout of 0 means ReadTimeout.
    if (readTimeout > 0 && (headersTimeout === 0 || headersTimeout > readTimeout)) headersTimeout = readTimeout;
    const shortest = Math.min(...[headersTimeout, readTimeout].filter((t) => t > 0));
    return {
      headersTimeout,
      requestTimeout: readTimeout,
      keepAliveTimeout: this.opts.idleTimeout ?? HTTP_LIMITS.idleTimeout,
      maxHeaderSize: this.opts.maxHeaderBytes ?? HTTP_LIMITS.maxHeaderBytes,
      // How often Node looks for requests past those timeouts: a quarter of the shorter, at most 1 s.
      connectionsCheckingInterval: Number.isFinite(shortest) ? Math.max(10, Math.min(1000, Math.floor(shortest / 4))) : 1000,
    };
  }

  /** refuseConnect answers a CONNECT (no route serves one) with 405 in the Kratos error JSON, then closes the socket. */
  private refuseConnect(req: IncomingMessage, socket: Duplex): void {
    const body = encodeStatus(new KratosError(405, "METHOD_NOT_ALLOWED", `method CONNECT is not allowed on ${req.url ?? ""}`));
    const head = `HTTP/1.1 405 Method Not Allowed\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
    socket.on("error", () => socket.destroy());
    socket.end(head + body);
  }

  private send(res: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
    // One writeHead with the length known: Node then stores no header map of its own when the handler set no
    // reply header, and HEAD, which sends no body, still says what GET would send.
    const length = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
    if (this.stopping) res.writeHead(status, ["Content-Type", type, "Content-Length", String(length), "Connection", "close"]);
    else res.writeHead(status, ["Content-Type", type, "Content-Length", String(length)]);
    res.end(body);
  }

  // A keep-alive connection whose request finishes during a stop must not stay open until the force stop.
  private closeIfStopping(res: ServerResponse): void {
    if (this.stopping) res.setHeader("Connection", "close");
  }
}

/** splitTarget splits a request target into its path and its search, "?" included. */
function splitTarget(url: string): { path: string; search: string } {
  const q = url.indexOf("?");
  return q < 0 ? { path: url, search: "" } : { path: url.slice(0, q), search: url.slice(q) };
}

function requestHeader(req: IncomingMessage): Header {
  const header = new Header();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) header.add(raw[i] as string, raw[i + 1] as string);
  return header;
}

function decodeVar(raw: string): string {
  if (!raw.includes("%")) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw codecError("invalid percent-encoding in path");
  }
}

function endsWithSlash(path: string): boolean {
  return path.length > 1 && path.charCodeAt(path.length - 1) === 47;
}

function toggleSlash(path: string): string {
  return endsWithSlash(path) ? path.slice(0, -1) : `${path}/`;
}

function absolutePath(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return undefined;
  }
}

/** bodyOf is the body read for a binding, with the codec its Content-Type names; undefined when empty. */
function bodyOf(req: IncomingMessage & { body?: unknown }, field: string): Body | undefined {
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
