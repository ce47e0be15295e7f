export { requestTraceContext } from "./context.js";
export { exportURLOf, newTracerProvider, TRACER_PROVIDER, type TracerProviderOptions } from "./provider.js";
