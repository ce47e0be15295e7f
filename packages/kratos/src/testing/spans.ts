import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";

/**
 * SpanCapture is a tracer provider that keeps every ended span in memory, for assertions.
 *
 * @example
 * const spans = new SpanCapture();
 * const middleware = [tracing({ tracerProvider: spans.provider })];
 * // ... one request later:
 * spans.ended().map((s) => s.name); // ["/helloworld.v1.Greeter/SayHello"]
 */
export class SpanCapture {
  private readonly exporter = new InMemorySpanExporter();
  readonly provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.exporter)] });

  /** ended returns the spans ended so far, in the order they ended. */
  ended(): ReadableSpan[] {
    return this.exporter.getFinishedSpans();
  }

  /** reset forgets the spans ended so far. */
  reset(): void {
    this.exporter.reset();
  }
}
