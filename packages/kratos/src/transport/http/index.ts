export { CODEC_REASON, codecError } from "./binding.js";
export { type Route, compilePath } from "./route.js";
export { type Binding, bindingsOf } from "./rules.js";
export { HTTPServer, type HTTPServerOptions } from "./server.js";
