import "reflect-metadata";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../test/support/repo.js";
import { canCompareProcesses, compareCosts, compareProcesses, GLIBC_DEFAULT_ENV, QUIET_ENV } from "./budget.js";
import { chartSVG } from "./chart.js";
import { compareWithBaselines, describeProfile, FULL_PROFILE } from "./compare.js";
import { benchLog } from "./log.js";
import { benchMiddleware } from "./middleware.js";
import { svgToPNG } from "./png.js";
import { goalRows, markdown } from "./report.js";
import { benchService, QUIET, SERVICE_CALLS } from "./service.js";
import { benchTransports } from "./transports.js";

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

const log = benchLog(rounds);
console.log(`logging, median of ${rounds} rounds of 100,000 lines:`);
console.log(`  json lines           ${fmt(log.plain)} lines/s`);
console.log(`  with caller field    ${fmt(log.caller)} lines/s`);
console.log(`  caller/plain ratio   ${log.ratio.toFixed(2)} (caller stays opt-in while this is below 0.90)`);

const m = await benchMiddleware(rounds);
console.log(`middleware, median of ${rounds} rounds of 100,000 SayHello calls with no socket, microseconds per call:`);
for (const [name, us] of Object.entries(m)) console.log(`  ${name.padEnd(14)} ${us.toFixed(2)} us`);

const t = await benchTransports(rounds);
console.log(`SayHello, median of ${rounds} rounds of 4,000 calls, 16 at a time, client and server in this process:`);
console.log(`  HTTP  bare express   ${fmt(t.http.bare)} req/s   framework ${fmt(t.http.framework)} req/s   ratio ${t.http.ratio.toFixed(2)}`);
console.log(`  gRPC  bare grpc-js   ${fmt(t.grpc.bare)} req/s   framework ${fmt(t.grpc.framework)} req/s   ratio ${t.grpc.ratio.toFixed(2)}`);
console.log("  the framework observed (recovery, tracing without export, access log to a sink, metrics), same rounds;");
console.log("  the handler does nothing, so this is the middleware's whole cost; the budget applies to the service below:");
console.log(`  HTTP  ${fmt(t.http.observed)} req/s   median ratio to the framework without, by round, ${t.http.observedRatio.toFixed(2)}`);
console.log(`  gRPC  ${fmt(t.grpc.observed)} req/s   median ratio to the framework without, by round, ${t.grpc.observedRatio.toFixed(2)}`);

const serviceRounds = Number(process.env.BENCH_SERVICE_ROUNDS ?? 75);
const svc = await benchService(serviceRounds);
const control = await benchService(serviceRounds, QUIET, QUIET);
console.log(`the helloworld service, SayHello (a SQLite upsert), observed as it runs by default against all three off,`);
console.log(`${serviceRounds} rounds of quiet, observed, observed, quiet, ${SERVICE_CALLS} calls each; medians of the rounds' ratios (budget: at least 0.90),`);
console.log("then the quiet service against itself, the same way, for the noise floor:");
for (const [kind, c, a] of [
  ["HTTP", svc.http, control.http],
  ["gRPC", svc.grpc, control.grpc],
] as const) {
  const [q1, q3] = c.cpuQuartiles;
  console.log(
    `  ${kind}  ${fmt(c.observed)} req/s   ratio in wall time ${c.wallRatio.toFixed(2)}   in CPU time ${c.cpuRatio.toFixed(2)} (quartiles of rounds ${q1.toFixed(2)}, ${q3.toFixed(2)})   quiet against quiet ${a.cpuRatio.toFixed(2)}`,
  );
}

const processRounds = Number(process.env.BENCH_PROCESS_ROUNDS ?? 8);
if (!canCompareProcesses) {
  console.log(
    "notice: loadgen is not built (make tools, on a machine with Go): the service's processes are not compared, with each other or with the bare servers",
  );
} else {
  console.log("the helloworld service as outside clients see it: two real processes (limiter off), as it runs by default and with all three off,");
  console.log(`on core 0, loaded in turn by loadgen from core 1 (32 clients, closed loop); ${processRounds} rounds of quiet, observed,`);
  console.log("observed, quiet, 1 s each; medians of the rounds' ratios (budget: at least 0.90), then quiet against quiet:");
  for (const kind of ["http", "grpc"] as const) {
    const c = await compareProcesses(kind, processRounds, {}, QUIET_ENV);
    const aa = await compareProcesses(kind, processRounds, QUIET_ENV, QUIET_ENV);
    console.log(
      `  ${kind === "http" ? "HTTP" : "gRPC"}  ${fmt(c.a)} req/s   ratio ${c.ratio.toFixed(2)} (quartiles of rounds ${c.quartiles[0].toFixed(2)}, ${c.quartiles[1].toFixed(2)})   quiet against quiet ${aa.ratio.toFixed(2)}`,
    );
  }
  console.log("the same two processes loaded at once, each by its own loadgen, so a drift of the machine's speed hits both alike;");
  console.log(`CPU time per request from /proc, ${processRounds} rounds of 3 s; the budget ratio is 1 / the cost ratio (budget: at least 0.90):`);
  for (const kind of ["http", "grpc"] as const) {
    const c = await compareCosts(kind, processRounds, {}, QUIET_ENV);
    const aa = await compareCosts(kind, processRounds, QUIET_ENV, QUIET_ENV);
    console.log(
      `  ${kind === "http" ? "HTTP" : "gRPC"}  cost ratio ${c.costRatio.toFixed(3)} (quartiles of rounds ${c.quartiles[0].toFixed(3)}, ${c.quartiles[1].toFixed(3)}): budget ratio ${(1 / c.costRatio).toFixed(2)}   quiet against quiet ${aa.costRatio.toFixed(3)}`,
    );
  }

  console.log("the service on the framework's ALLOCATOR_ENV (as make run and the image start it) against glibc's defaults,");
  console.log("loaded at once as above; CPU time per request (budget: a cost ratio of at most 1.05):");
  for (const kind of ["http", "grpc"] as const) {
    const c = await compareCosts(kind, processRounds, {}, GLIBC_DEFAULT_ENV);
    console.log(
      `  ${kind === "http" ? "HTTP" : "gRPC"}  cost ratio ${c.costRatio.toFixed(3)} (quartiles of rounds ${c.quartiles[0].toFixed(3)}, ${c.quartiles[1].toFixed(3)})`,
    );
  }

  const profile = {
    ...FULL_PROFILE,
    rounds: Number(process.env.BENCH_BASELINE_ROUNDS ?? FULL_PROFILE.rounds),
  };
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const dir = join(repoRoot(), "bench/results", stamp);
  console.log(`the service against bare express, bare grpc-js and both in one process, each started fresh every round: ${describeProfile(profile)}`);
  const rounds = await compareWithBaselines(["service", "express", "grpc", "both"], profile, join(dir, "runs"), (r) =>
    console.log(`  round ${r + 1} of ${profile.rounds} done`),
  );
  const summary = markdown(rounds, describeProfile(profile));
  writeFileSync(join(dir, "summary.md"), summary);
  writeFileSync(join(dir, "rounds.json"), JSON.stringify(rounds, null, 2));
  writeFileSync(join(dir, "chart.svg"), chartSVG(goalRows(rounds), `The service against the bare servers: medians of ${profile.rounds} rounds`));
  const notPNG = svgToPNG(join(dir, "chart.svg"), join(dir, "chart.png"));
  if (notPNG) console.log(`notice: ${notPNG}: the chart is written as chart.svg only`);
  console.log(summary);
  console.log(`written to ${join("bench/results", stamp)}`);
}
