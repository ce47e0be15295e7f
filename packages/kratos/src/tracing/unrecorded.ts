import {
  INVALID_SPANID,
  INVALID_TRACEID,
  context as otelContext,
  type Span,
  type SpanOptions,
  type Context as TraceContext,
  TraceFlags,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { fastIds } from "./ids.js";

/**
 * UnrecordedTracerProvider is the tracer provider of an app that exports no span: its spans record nothing,
 * they only get ids, a child's in its parent's trace with its parent's flags, so log lines carry them and
 * calls send them on. A recording span that no processor would ever see costs a request several microseconds.
 */
export class UnrecordedTracerProvider implements TracerProvider {
  private readonly tracer = new UnrecordedTracer();

  getTracer(): Tracer {
    return this.tracer;
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}

/**
 * recordsSpans tells whether provider's spans are recorded (and so exported); a span of one that records
 * nothing only has ids, so work done only to describe it, such as a span per database query, can be skipped.
 *
 * @example
 * const db = new Kysely({ dialect: recordsSpans(provider) ? tracedDialect(dialect, provider) : dialect });
 */
export function recordsSpans(provider: TracerProvider): boolean {
  return !(provider instanceof UnrecordedTracerProvider);
}

class UnrecordedTracer implements Tracer {
  startSpan(_name: string, _options?: SpanOptions, context: TraceContext = otelContext.active()): Span {
    const parent = trace.getSpanContext(context);
    // A parent is one of ours, or one a propagator validated; only the all-zero ids of "no span" are refused here.
    if (parent && parent.traceId !== INVALID_TRACEID && parent.spanId !== INVALID_SPANID) {
      return trace.wrapSpanContext({
        traceId: parent.traceId,
        spanId: fastIds.generateSpanId(),
        traceFlags: parent.traceFlags,
        traceState: parent.traceState,
      });
    }
    return trace.wrapSpanContext({ traceId: fastIds.generateTraceId(), spanId: fastIds.generateSpanId(), traceFlags: TraceFlags.SAMPLED });
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: [F] | [SpanOptions, F] | [SpanOptions, TraceContext, F]): ReturnType<F> {
    const fn = rest.at(-1) as F;
    const options = rest.length > 1 ? (rest[0] as SpanOptions) : undefined;
    const parent = rest.length > 2 ? (rest[1] as TraceContext) : otelContext.active();
    const span = this.startSpan(name, options, parent);
    return otelContext.with(trace.setSpan(parent, span), () => fn(span)) as ReturnType<F>;
  }
}
