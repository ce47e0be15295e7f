export { App, type AppOptions, type Hook } from "./app.js";
