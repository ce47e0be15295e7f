export { parseBool } from "./bool.js";
export { parseDuration } from "./duration.js";
export { ConfigError, type LoadOptions, loadConfig } from "./loader.js";
export { address, duration, MAX_DURATION } from "./schema.js";
