export { ACCESS_MSG, logging, REDACTED } from "./logging.js";
export { countShed, DEFAULT_SECONDS_BUCKETS, type MetricsOptions, metrics } from "./metrics.js";
export { chain, type Handler, type Middleware } from "./middleware.js";
export { recovery } from "./recovery.js";
export { clientTracing, TRACER_NAME, type TracingOptions, tracing } from "./tracing.js";
export { VALIDATOR_REASON, validate } from "./validate.js";
