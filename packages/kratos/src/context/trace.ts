import { type SpanContext, type Context as TraceContext, trace } from "@opentelemetry/api";
import type { Context } from "./context.js";
import { currentContext } from "./current.js";
import { createContextKey } from "./values.js";

/**
 * The OpenTelemetry context whose span serves the request, as the tracing middleware set it: log lines take
 * their trace.id and span.id from it, and database and client calls made for the request become its children.
 */
export const TRACE_CONTEXT = createContextKey<TraceContext | undefined>(undefined, { description: "trace context" });

/** spanContextOf returns the ids of the span serving the request; undefined when no tracing middleware ran. */
export function spanContextOf(ctx: Context): SpanContext | undefined {
  const traced = ctx.values.get(TRACE_CONTEXT);
  return traced && trace.getSpanContext(traced);
}

/** currentSpanContext is spanContextOf the request whose code is running; undefined outside a traced request. */
export function currentSpanContext(): SpanContext | undefined {
  const ctx = currentContext();
  return ctx && spanContextOf(ctx);
}
