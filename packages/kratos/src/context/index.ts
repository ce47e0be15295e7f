export { type Context, type ContextInit, deadlineAfter, type Kind, operationOf, TransportContext } from "./context.js";
export { currentContext, runInContext } from "./current.js";
export { Header } from "./header.js";
export { GLOBAL_METADATA_PREFIX, METADATA_PREFIX, serverMetadataOf } from "./metadata.js";
export { spanContextOf, TRACE_CONTEXT } from "./trace.js";
export { type ContextKey, ContextValues, createContextKey } from "./values.js";
