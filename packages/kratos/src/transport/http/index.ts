export { CODEC_REASON, codecError } from "./binding.js";
export { HTTPClient } from "./client.js";
export { type EncodedRequest, encodeRequest } from "./encode.js";
export { HEALTHY_BODY, livenessHandler, NOT_READY, readinessHandler, serveHealth } from "./health.js";
export { compilePath, type Route } from "./route.js";
export { type Binding, bindingsOf } from "./rules.js";
export { HTTP_LIMITS, HTTPServer, type HTTPServerOptions, type PlainHandler } from "./server.js";
