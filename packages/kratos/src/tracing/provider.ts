import { createRequire } from "node:module";
import { DiagLogLevel, diag, type TracerProvider } from "@opentelemetry/api";
import type * as OTLPProto from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { messageOf } from "../errors/public.js";
import type { Logger } from "../log/logger.js";
import { fastIds } from "./ids.js";
import { UnrecordedTracerProvider } from "./unrecorded.js";

// The exporter (with its OTLP transformer and the metrics and logs SDKs it pulls in) loads only when spans are
// exported: with export off, the default, start-up skips it (about 60 ms).
const require = createRequire(import.meta.url);

/** The injection token of the app's tracer provider. */
export const TRACER_PROVIDER = Symbol("TracerProvider");

export interface TracerProviderOptions {
  /** The service the spans come from: service.instance.id, service.name and service.version. */
  service: { id: string; name: string; version: string };
  /**
   * Where spans are exported over OTLP/HTTP (protobuf): a base URL such as http://collector:4318, to which
   * /v1/traces is added, as for OTEL_EXPORTER_OTLP_ENDPOINT. When empty, the standard environment variables
   * decide; when they are unset too, nothing is exported and spans only give log lines their ids.
   */
  endpoint?: string;
  /** Where a failed export is reported (at WARN); OpenTelemetry is silent about it otherwise. */
  logger?: Logger;
  /** The environment the OTEL_* variables are read from; process.env when omitted. */
  env?: Record<string, string | undefined>;
  /** Processors to add, e.g. a SimpleSpanProcessor over an InMemorySpanExporter in a test. */
  spanProcessors?: SpanProcessor[];
}

/**
 * exportURLOf is the OTLP/HTTP URL spans are sent to, or undefined when export is off: the configured
 * endpoint, else OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, else OTEL_EXPORTER_OTLP_ENDPOINT with
 * /v1/traces added; OTEL_TRACES_EXPORTER=none turns off what the environment turned on.
 */
export function exportURLOf(endpoint: string | undefined, env: Record<string, string | undefined>): string | undefined {
  if (endpoint) return signalURL(endpoint, "endpoint");
  if (env.OTEL_TRACES_EXPORTER?.trim() === "none") return undefined;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return httpURL(traces, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").href;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? signalURL(base, "OTEL_EXPORTER_OTLP_ENDPOINT") : undefined;
}

function signalURL(base: string, name: string): string {
  const url = httpURL(base, name);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/traces`;
  return url.href;
}

function httpURL(text: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`tracing: ${name} ${JSON.stringify(text)} is not a URL; want http://host:4318 or https://...`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`tracing: ${name} ${JSON.stringify(text)} is not an http or https URL (OTLP/HTTP is the only export)`);
  }
  return url;
}

/** The tracer provider of an app: shutdown() sends the spans still batched; exportURL says where they go. */
export interface AppTracerProvider extends TracerProvider {
  /** Where spans are exported; undefined when nothing is. */
  readonly exportURL?: string;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * newTracerProvider makes the tracer provider a tracing middleware takes: every span gets ids, so log lines
 * can carry them, and spans are recorded and batched to an OTLP/HTTP collector only when an endpoint is
 * configured or set in the environment (or processors are given); otherwise they are not recorded at all.
 * Call shutdown() when the app has stopped, to send the spans still batched.
 *
 * @example
 * const provider = newTracerProvider({ service: { id, name, version }, endpoint: "http://otel-collector:4318", logger });
 * const middleware = [recovery(logger), tracing({ tracerProvider: provider }), logging(logger)];
 * // after app.run() returns:
 * await provider.shutdown();
 */
export function newTracerProvider(opts: TracerProviderOptions): AppTracerProvider {
  const exportURL = exportURLOf(opts.endpoint, opts.env ?? process.env);
  const spanProcessors = [...(opts.spanProcessors ?? [])];
  if (!exportURL && spanProcessors.length === 0) return new UnrecordedTracerProvider();
  if (exportURL) {
    // The batch's size and delay follow OTEL_BSP_*, the exporter's headers and timeout OTEL_EXPORTER_OTLP_*.
    const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-proto") as typeof OTLPProto;
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: exportURL })));
    if (opts.logger) reportExportFailures(opts.logger);
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      "service.instance.id": opts.service.id,
      "service.name": opts.service.name,
      "service.version": opts.service.version,
    }),
    spanProcessors,
    idGenerator: fastIds,
  });
  return Object.assign(provider, { exportURL });
}

// OpenTelemetry reports a failed export through its global diagnostic logger, which is silent unless set.
function reportExportFailures(logger: Logger): void {
  const warn = (message: string, ...args: unknown[]) => logger.warn({ component: "opentelemetry" }, [message, ...args.map(describe)].join(" "));
  const quiet = () => {};
  diag.setLogger({ error: warn, warn, info: quiet, debug: quiet, verbose: quiet }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}

// OpenTelemetry passes errors, and sometimes plain objects that only carry a message.
function describe(arg: unknown): string {
  if (typeof arg === "object" && arg !== null && !(arg instanceof Error) && "message" in arg) return String((arg as { message: unknown }).message);
  return messageOf(arg);
}
