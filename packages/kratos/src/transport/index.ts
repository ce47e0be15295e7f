export { type Address, formatAddress, parseAddress } from "./address.js";
export { Caller, type CallOptions, type ClientOptions, DEFAULT_CLIENT_TIMEOUT, propagateInto } from "./client.js";
export type { Server } from "./server.js";
