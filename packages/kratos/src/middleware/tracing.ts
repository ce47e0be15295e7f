import { Metadata } from "@grpc/grpc-js";
import {
  type Attributes,
  createContextKey,
  context as otelContext,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  type Context as TraceContext,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import type { Context } from "../context/context.js";
import { currentContext } from "../context/current.js";
import type { Header } from "../context/header.js";
import { TRACE_CONTEXT } from "../context/trace.js";
import { toGRPCCode } from "../errors/codes.js";
import { answerOf } from "../errors/public.js";
import { invoke, type Middleware } from "./middleware.js";

/** The name of the tracer the server spans come from. */
export const TRACER_NAME = "@kratos-ts/kratos";

export interface TracingOptions {
  /** Where spans go; OpenTelemetry's global tracer provider when omitted. */
  tracerProvider?: TracerProvider;
  /** How the caller's span is read from the request's headers or metadata; W3C trace context when omitted. */
  propagator?: TextMapPropagator;
}

const headerGetter: TextMapGetter<Header> = {
  keys: (header) => header.keys(),
  get: (header, key) => header.get(key),
};

// The transports' own header maps, read in place: the few keys a propagator asks for, without copying them all.
type HTTPHeaders = Record<string, string | string[] | undefined>;
const httpGetter: TextMapGetter<HTTPHeaders> = { keys: (headers) => Object.keys(headers), get: (headers, key) => headers[key] };
const grpcGetter: TextMapGetter<Metadata> = {
  keys: (md) => Object.keys(md.getMap()),
  get: (md, key) => {
    const values = md.get(key);
    return values.length === 0 ? undefined : values.length === 1 ? String(values[0]) : values.map(String);
  },
};

/** extractParent reads the caller's span from the request as the transport holds it, or from ctx.requestHeader. */
function extractParent(propagator: TextMapPropagator, ctx: Context): TraceContext {
  const raw = ctx.raw as { headers?: HTTPHeaders; metadata?: Metadata } | undefined;
  if (ctx.kind === "http" && raw?.headers) return propagator.extract(ROOT_CONTEXT, raw.headers, httpGetter);
  if (ctx.kind === "grpc" && raw?.metadata instanceof Metadata) return propagator.extract(ROOT_CONTEXT, raw.metadata, grpcGetter);
  return propagator.extract(ROOT_CONTEXT, ctx.requestHeader, headerGetter);
}

/**
 * tracing serves each request in an OpenTelemetry server span named by its operation, as Kratos's
 * tracing.Server does: the child of the span a W3C traceparent header (HTTP) or metadata key (gRPC) names,
 * or the root of a new trace. The span carries the rpc.* and http.* attributes, the code the client is
 * answered with, and status ERROR for a 5xx. Every log line written while the request is served carries its
 * trace.id and span.id, and the generated gRPC clients send it on as the parent of the services they call.
 *
 * Put it right after recovery, so everything inside, the access log included, is part of the span. If
 * OpenTelemetry's SDK (a context manager) is to see the span as active, start the SDK before making the
 * middleware: whether one is registered is checked once, here, to spare every request a context switch.
 *
 * @example
 * const provider = newTracerProvider({ service: { id, name, version } });
 * new HTTPServer({ address: ":8000", timeout: 1000, logger, middleware: [recovery(logger), tracing({ tracerProvider: provider }), logging(logger)] });
 */
export function tracing(opts: TracingOptions = {}): Middleware {
  const tracer = (opts.tracerProvider ?? trace.getTracerProvider()).getTracer(TRACER_NAME);
  const propagator = opts.propagator ?? new W3CTraceContextPropagator();
  const managed = hasContextManager();
  return (next) => (ctx, req) => {
    const parent = extractParent(propagator, ctx);
    const span = tracer.startSpan(ctx.operation, { kind: SpanKind.SERVER }, parent);
    // A span that records nothing (nothing is exported) only needs its ids.
    if (span.isRecording()) span.setAttributes(attributesOf(ctx));
    const traced = trace.setSpan(parent, span);
    ctx.values.set(TRACE_CONTEXT, traced);
    // With a context manager registered (OpenTelemetry's SDK), other instrumentation sees the span as active too.
    const served = managed ? otelContext.with(traced, invoke, undefined, next, ctx, req) : invoke(next, ctx, req);
    // A span that records nothing has nothing to be told at the end: no promise reaction for it.
    if (!span.isRecording()) return served;
    return endWith(span, ctx, served, true);
  };
}

const headerSetter: TextMapSetter<Header> = { set: (header, key, value) => header.set(key, value) };

/**
 * clientTracing makes each call of an HTTPClient or GRPCClient a span of kind CLIENT named by its operation,
 * as Kratos's tracing.Client does: the child of the span serving the request the call is made for, if any,
 * and the parent of the called service's span, which it is sent as (traceparent). It carries rpc.system,
 * rpc.service and rpc.method, and the code the call got: a 5xx, or a call that reached no server, marks it ERROR.
 *
 * @example
 * new GRPCClient({ endpoint: "127.0.0.1:9000", middleware: [clientTracing({ tracerProvider: provider })] });
 */
export function clientTracing(opts: TracingOptions = {}): Middleware {
  const tracer = (opts.tracerProvider ?? trace.getTracerProvider()).getTracer(TRACER_NAME);
  const propagator = opts.propagator ?? new W3CTraceContextPropagator();
  return (next) => (ctx, req) => {
    const parent = currentContext()?.values.get(TRACE_CONTEXT) ?? ROOT_CONTEXT;
    const attributes = { "rpc.system": ctx.kind, "rpc.service": ctx.method.parent.typeName, "rpc.method": ctx.method.name };
    const span = tracer.startSpan(ctx.operation, { kind: SpanKind.CLIENT, attributes }, parent);
    // The call's own span replaces the served request's as the parent the called service sees.
    propagator.inject(trace.setSpan(parent, span), ctx.requestHeader, headerSetter);
    return endWith(span, ctx, invoke(next, ctx, req), false);
  };
}

/**
 * endWith ends span as served settles, with the code the caller is answered with (a handler's bug is the 500
 * UNKNOWN recovery makes of it); a 5xx marks it ERROR, with the exception recorded when recordException.
 */
function endWith<R>(span: Span, ctx: Context, served: Promise<R>, recordException: boolean): Promise<R> {
  const codeKey = ctx.kind === "grpc" ? "rpc.grpc.status_code" : "http.response.status_code";
  return served.then(
    (reply) => {
      span.setAttribute(codeKey, ctx.kind === "grpc" ? 0 : 200);
      span.end();
      return reply;
    },
    (err: unknown) => {
      const e = answerOf(err);
      span.setAttribute(codeKey, ctx.kind === "grpc" ? (e.grpcCode ?? toGRPCCode(e.code)) : e.code);
      span.setAttribute("error.type", e.reason || String(e.code));
      // A refused request is the client's error, not the server's: only a 5xx marks the span failed.
      if (e.code >= 500) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
        if (recordException && err instanceof Error) span.recordException(err);
      }
      span.end();
      throw err;
    },
  );
}

const PROBE = createContextKey("@kratos-ts/kratos context manager probe");

/** hasContextManager tells whether OpenTelemetry's context follows async code here, i.e. a context manager is registered. */
function hasContextManager(): boolean {
  const probe = ROOT_CONTEXT.setValue(PROBE, true);
  return otelContext.with(probe, () => otelContext.active() === probe);
}

/** attributesOf is what a server span says of its request, in OpenTelemetry's semantic conventions. */
function attributesOf(ctx: Context): Attributes {
  const attributes: Attributes = { "rpc.system": ctx.kind, "rpc.service": ctx.method.parent.typeName, "rpc.method": ctx.method.name };
  if (ctx.kind === "http") {
    const req = ctx.raw as { method: string; url: string; socket: { remoteAddress?: string; remotePort?: number } };
    const query = req.url.indexOf("?");
    attributes["http.request.method"] = req.method;
    attributes["url.path"] = query < 0 ? req.url : req.url.slice(0, query);
    if (ctx.route) attributes["http.route"] = ctx.route;
    if (req.socket.remoteAddress) attributes["network.peer.address"] = req.socket.remoteAddress;
    if (req.socket.remotePort) attributes["network.peer.port"] = req.socket.remotePort;
  } else {
    // grpc-js names the peer host:port, an IPv6 host in brackets.
    const peer = /^\[?(.*?)\]?:(\d+)$/.exec((ctx.raw as { getPeer(): string }).getPeer());
    if (peer) {
      attributes["network.peer.address"] = peer[1];
      attributes["network.peer.port"] = Number(peer[2]);
    }
  }
  return attributes;
}
