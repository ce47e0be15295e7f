export { ALLOCATOR_ENV } from "./allocator.js";
export { App, type AppOptions, type Hook } from "./app.js";
