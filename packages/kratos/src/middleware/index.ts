export { type Handler, type Middleware, chain } from "./middleware.js";
export { recovery } from "./recovery.js";
