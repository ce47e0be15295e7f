export { testContext } from "./context.js";
export { LogCapture, type LogLine } from "./logs.js";
export { SpanCapture } from "./spans.js";
