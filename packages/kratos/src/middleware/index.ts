export { chain, type Handler, type Middleware } from "./middleware.js";
export { recovery } from "./recovery.js";
