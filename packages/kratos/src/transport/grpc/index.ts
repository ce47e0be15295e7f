export { definitionOf } from "./definition.js";
export { HealthService, ServingStatus } from "./health.js";
export { headerOf, metadataOf } from "./metadata.js";
export { GRPCServer, type GRPCServerOptions } from "./server.js";
