import { randomBytes } from "node:crypto";
import type { IdGenerator } from "@opentelemetry/sdk-trace-base";

// Ids are cut from a pool of random hex: one crypto read and one hex conversion serve 256 span ids, where
// OpenTelemetry's generator makes four Math.random calls and a hex conversion for each id.
const POOL_BYTES = 4096;
let pool = "";
let at = 0;

function randomHex(chars: number): string {
  if (at + chars > pool.length) {
    pool = randomBytes(POOL_BYTES).toString("hex");
    at = 0;
  }
  const id = pool.slice(at, at + chars);
  at += chars;
  return id;
}

const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/** fastIds generates W3C trace ids (32 hex digits) and span ids (16), never all zeros, which W3C forbids. */
export const fastIds: IdGenerator = {
  generateTraceId(): string {
    const id = randomHex(32);
    return id === ZERO_TRACE ? randomHex(32) : id;
  },
  generateSpanId(): string {
    const id = randomHex(16);
    return id === ZERO_SPAN ? randomHex(16) : id;
  },
};
