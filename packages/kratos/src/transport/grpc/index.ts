export { clientConstructorOf, GRPCClient, type GRPCClientOptions, propagation } from "./client.js";
export { type ConnectionPolicy, GRPC_CONNECTION_POLICY, TOO_MANY_PINGS } from "./connection.js";
export { definitionOf } from "./definition.js";
export { HealthService, type HealthServiceOptions, ServingStatus } from "./health.js";
export { headerOf, metadataOf } from "./metadata.js";
export { GRPC_LIMITS, GRPCServer, type GRPCServerOptions } from "./server.js";
