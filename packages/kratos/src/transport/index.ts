export { type Address, formatAddress, parseAddress } from "./address.js";
export type { Server } from "./server.js";
