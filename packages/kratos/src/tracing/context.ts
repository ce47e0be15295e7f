import { context as otelContext, type Context as TraceContext, trace } from "@opentelemetry/api";
import { currentContext } from "../context/current.js";
import { SPAN_CONTEXT } from "../context/trace.js";

/**
 * requestTraceContext is the OpenTelemetry context whose span is the one serving the current request, for a
 * child span of work done for it (a database query, an outgoing call); undefined outside a traced request.
 *
 * @example
 * const parent = requestTraceContext();
 * if (parent) tracer.startSpan("SELECT greeters", { kind: SpanKind.CLIENT }, parent).end();
 */
export function requestTraceContext(): TraceContext | undefined {
  const span = currentContext()?.values.get(SPAN_CONTEXT);
  return span ? trace.setSpanContext(otelContext.active(), span) : undefined;
}
