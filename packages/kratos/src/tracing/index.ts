export { requestTraceContext } from "./context.js";
export { type AppTracerProvider, exportURLOf, newTracerProvider, TRACER_PROVIDER, type TracerProviderOptions } from "./provider.js";
export { recordsSpans, UnrecordedTracerProvider } from "./unrecorded.js";
