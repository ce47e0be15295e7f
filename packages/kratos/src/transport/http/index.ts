export { CODEC_REASON, codecError } from "./binding.js";
export { compilePath, type Route } from "./route.js";
export { type Binding, bindingsOf } from "./rules.js";
export { HTTPServer, type HTTPServerOptions, type PlainHandler } from "./server.js";
