import {
  type Attributes,
  context as otelContext,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapPropagator,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import type { Context } from "../context/context.js";
import type { Header } from "../context/header.js";
import { SPAN_CONTEXT } from "../context/trace.js";
import { toGRPCCode } from "../errors/codes.js";
import { answerOf } from "../errors/public.js";
import type { Middleware } from "./middleware.js";

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

/**
 * tracing serves each request in an OpenTelemetry server span named by its operation, as Kratos's
 * tracing.Server does: the child of the span a W3C traceparent header (HTTP) or metadata key (gRPC) names,
 * or the root of a new trace. The span carries the rpc.* and http.* attributes, the code the client is
 * answered with, and status ERROR for a 5xx. Every log line written while the request is served carries its
 * trace.id and span.id, and the generated gRPC clients send it on as the parent of the services they call.
 *
 * Put it right after recovery, so everything inside, the access log included, is part of the span.
 *
 * @example
 * const provider = newTracerProvider({ service: { id, name, version } });
 * new HTTPServer({ address: ":8000", timeout: 1000, logger, middleware: [recovery(logger), tracing({ tracerProvider: provider }), logging(logger)] });
 */
export function tracing(opts: TracingOptions = {}): Middleware {
  const tracer = (opts.tracerProvider ?? trace.getTracerProvider()).getTracer(TRACER_NAME);
  const propagator = opts.propagator ?? new W3CTraceContextPropagator();
  return (next) => async (ctx, req) => {
    const parent = propagator.extract(ROOT_CONTEXT, ctx.requestHeader, headerGetter);
    const span = tracer.startSpan(ctx.operation, { kind: SpanKind.SERVER, attributes: attributesOf(ctx) }, parent);
    ctx.values.set(SPAN_CONTEXT, span.spanContext());
    try {
      // Code that uses OpenTelemetry's own context (other instrumentation, if a context manager is registered) sees the span too.
      const reply = await otelContext.with(trace.setSpan(parent, span), next, undefined, ctx, req);
      span.setAttribute(ctx.kind === "grpc" ? "rpc.grpc.status_code" : "http.response.status_code", ctx.kind === "grpc" ? 0 : 200);
      return reply;
    } catch (err) {
      // The code the client is answered with: a handler's bug is the 500 UNKNOWN recovery makes of it.
      const e = answerOf(err);
      span.setAttribute(
        ctx.kind === "grpc" ? "rpc.grpc.status_code" : "http.response.status_code",
        ctx.kind === "grpc" ? (e.grpcCode ?? toGRPCCode(e.code)) : e.code,
      );
      span.setAttribute("error.type", e.reason || String(e.code));
      // A refused request is the client's error, not the server's: only a 5xx marks the server span failed.
      if (e.code >= 500) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
        if (err instanceof Error) span.recordException(err);
      }
      throw err;
    } finally {
      span.end();
    }
  };
}

/** attributesOf is what a server span says of its request, in OpenTelemetry's semantic conventions. */
function attributesOf(ctx: Context): Attributes {
  const attributes: Attributes = { "rpc.system": ctx.kind, "rpc.service": ctx.method.parent.typeName, "rpc.method": ctx.method.name };
  if (ctx.kind === "http") {
    const req = ctx.raw as { method: string; path: string; socket: { remoteAddress?: string; remotePort?: number } };
    attributes["http.request.method"] = req.method;
    attributes["url.path"] = req.path;
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
