// make bench-smoke: the service against bare express and bare grpc-js, one short round, failing only on a gross
// regression (the service under half a baseline's throughput), so the noise of these machines never fails CI.
import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canCompareProcesses } from "./budget.js";
import { compareWithBaselines, describeProfile, type Profile, pairedRatios } from "./compare.js";
import { markdown } from "./report.js";

/** Below this share of a bare baseline's throughput, the service has regressed grossly. */
const FLOOR = 0.5;
const SMOKE: Profile = { rounds: 1, warmupSeconds: 1, seconds: 3, httpClients: 50, grpcConnections: 10, streamsPerConnection: 10 };

if (!canCompareProcesses) {
  console.log("notice: loadgen is not built (make tools, on a machine with Go): bench-smoke is skipped");
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), "bench-smoke-"));
try {
  const rounds = await compareWithBaselines(["service", "express", "grpc"], SMOKE, dir);
  console.log(markdown(rounds, describeProfile(SMOKE)));
  const http = pairedRatios(rounds, (t) => t.http?.okPerSecond, "express").median;
  const grpc = pairedRatios(rounds, (t) => t.grpc?.okPerSecond, "grpc").median;
  const low = [http < FLOOR ? `HTTP ${http.toFixed(2)}× bare express` : "", grpc < FLOOR ? `gRPC ${grpc.toFixed(2)}× bare grpc-js` : ""].filter(Boolean);
  if (low.length > 0) {
    console.log(`BENCH SMOKE FAILED: ${low.join(", ")}, under the ${FLOOR}× floor`);
    process.exitCode = 1;
  } else {
    console.log(`BENCH SMOKE OK http=${http.toFixed(2)} grpc=${grpc.toFixed(2)} (floor ${FLOOR})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
