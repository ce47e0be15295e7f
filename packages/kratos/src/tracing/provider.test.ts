import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { exportURLOf, newTracerProvider } from "./provider.js";
import { recordsSpans } from "./unrecorded.js";

describe("exportURLOf", () => {
  const cases: Array<[string, string | undefined, Record<string, string>, string | undefined]> = [
    ["nothing configured: no export", "", {}, undefined],
    ["the configured endpoint, with /v1/traces added", "http://collector:4318", {}, "http://collector:4318/v1/traces"],
    ["the configured endpoint with a path and a trailing slash", "https://otel.example.com/otlp/", {}, "https://otel.example.com/otlp/v1/traces"],
    [
      "the configured endpoint over the environment's",
      "http://config:4318",
      { OTEL_EXPORTER_OTLP_ENDPOINT: "http://env:4318" },
      "http://config:4318/v1/traces",
    ],
    ["OTEL_EXPORTER_OTLP_ENDPOINT, with /v1/traces added", undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://env:4318" }, "http://env:4318/v1/traces"],
    [
      "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, over OTEL_EXPORTER_OTLP_ENDPOINT",
      "",
      { OTEL_EXPORTER_OTLP_ENDPOINT: "http://env:4318", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:4318/custom" },
      "http://traces:4318/custom",
    ],
    [
      "OTEL_TRACES_EXPORTER=none turns the environment's export off",
      "",
      { OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://env:4318" },
      undefined,
    ],
    ["an empty variable is unset", "", { OTEL_EXPORTER_OTLP_ENDPOINT: "  " }, undefined],
  ];
  for (const [name, endpoint, env, want] of cases) {
    it(name, () => assert.equal(exportURLOf(endpoint, env), want));
  }

  it("refuses what is not an http or https URL, naming where it came from", () => {
    assert.throws(() => exportURLOf("", { OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }), {
      message: 'tracing: OTEL_EXPORTER_OTLP_ENDPOINT "collector:4318" is not an http or https URL (OTLP/HTTP is the only export)',
    });
    assert.throws(() => exportURLOf("", { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "not a url" }), {
      message: 'tracing: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT "not a url" is not a URL; want http://host:4318 or https://...',
    });
    assert.throws(() => exportURLOf("grpc://collector:4317", {}), {
      message: 'tracing: endpoint "grpc://collector:4317" is not an http or https URL (OTLP/HTTP is the only export)',
    });
  });
});

describe("newTracerProvider", () => {
  const service = { id: "host", name: "helloworld", version: "1.2.3" };

  it("with nothing to export, records no span but gives each real ids: a root a new trace, a child its parent's trace and flags", async () => {
    const provider = newTracerProvider({ service, env: {} });
    assert.equal(provider.exportURL, undefined);
    const tracer = provider.getTracer("t");
    const root = tracer.startSpan("root");
    const { traceId, spanId, traceFlags } = root.spanContext();
    assert.match(`${traceId} ${spanId}`, /^[0-9a-f]{32} [0-9a-f]{16}$/);
    assert.deepEqual([root.isRecording(), traceFlags], [false, TraceFlags.SAMPLED]);
    const other = tracer.startSpan("other").spanContext();
    assert.notEqual(other.traceId, traceId);
    const parent = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: TraceFlags.NONE, traceState: new TraceState("k=v") };
    const child = tracer.startSpan("child", {}, trace.setSpanContext(ROOT_CONTEXT, parent)).spanContext();
    assert.deepEqual(
      { ...child, spanId: undefined, traceState: child.traceState?.serialize() },
      { traceId: parent.traceId, spanId: undefined, traceFlags: TraceFlags.NONE, traceState: "k=v" },
    );
    assert.match(child.spanId, /^[0-9a-f]{16}$/);
    assert.notEqual(child.spanId, parent.spanId);
    // startActiveSpan hands its function the span and returns what the function returns.
    assert.match(
      tracer.startActiveSpan("active", (span) => span.spanContext().traceId),
      /^[0-9a-f]{32}$/,
    );
    await provider.shutdown();
  });

  it("exports to the URL the environment names", async () => {
    const provider = newTracerProvider({ service, env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" } });
    assert.equal(provider.exportURL, "http://127.0.0.1:4318/v1/traces");
    assert.equal(recordsSpans(provider), true);
    await provider.shutdown();
  });

  it("says whether its spans are recorded: not with nothing to export, yes with processors given", async () => {
    assert.equal(recordsSpans(newTracerProvider({ service, env: {} })), false);
    const exporter = new InMemorySpanExporter();
    const recording = newTracerProvider({ service, env: {}, spanProcessors: [new SimpleSpanProcessor(exporter)] });
    assert.equal(recordsSpans(recording), true);
    recording.getTracer("t").startSpan("seen").end();
    assert.deepEqual(
      exporter.getFinishedSpans().map((s) => s.name),
      ["seen"],
    );
    await recording.shutdown();
  });
});
