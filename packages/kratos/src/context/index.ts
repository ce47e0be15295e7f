export { type Context, type ContextInit, deadlineAfter, type Kind, operationOf, TransportContext } from "./context.js";
export { Header } from "./header.js";
export { type ContextKey, ContextValues, createContextKey } from "./values.js";
