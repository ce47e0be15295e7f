export { ACCESS_MSG, logging, REDACTED } from "./logging.js";
export { chain, type Handler, type Middleware } from "./middleware.js";
export { recovery } from "./recovery.js";
export { VALIDATOR_REASON, validate } from "./validate.js";
