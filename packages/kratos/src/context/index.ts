export { type Context, type ContextInit, type Kind, TransportContext, deadlineAfter, operationOf } from "./context.js";
export { Header } from "./header.js";
export { type ContextKey, ContextValues, createContextKey } from "./values.js";
