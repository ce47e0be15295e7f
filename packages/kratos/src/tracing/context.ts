import type { Context as TraceContext } from "@opentelemetry/api";
import { currentContext } from "../context/current.js";
import { TRACE_CONTEXT } from "../context/trace.js";

/**
 * requestTraceContext is the OpenTelemetry context whose span is the one serving the current request, for a
 * child span of work done for it (a database query, an outgoing call); undefined outside a traced request.
 *
 * @example
 * const parent = requestTraceContext();
 * if (parent) tracer.startSpan("SELECT greeters", { kind: SpanKind.CLIENT }, parent).end();
 */
export function requestTraceContext(): TraceContext | undefined {
  return currentContext()?.values.get(TRACE_CONTEXT);
}
