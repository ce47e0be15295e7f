import type { SpanContext } from "@opentelemetry/api";
import { createContextKey } from "./values.js";

/**
 * The span that serves the request, as the tracing middleware set it: log lines take their trace.id and
 * span.id from it, and database and client calls made for the request become its children.
 */
export const SPAN_CONTEXT = createContextKey<SpanContext | undefined>(undefined, { description: "span context" });
