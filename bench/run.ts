import "reflect-metadata";
import { benchLog } from "./log.js";
import { benchMiddleware } from "./middleware.js";
import { benchService } from "./service.js";
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

const svc = await benchService(Math.max(rounds, 9));
console.log(`the helloworld service, SayHello (a SQLite upsert), observed as it runs by default against all three off,`);
console.log(`${Math.max(rounds, 9)} rounds of quiet, observed, observed, quiet, 1,000 calls each; medians of the rounds' ratios (budget: at least 0.90):`);
for (const [kind, c] of [
  ["HTTP", svc.http],
  ["gRPC", svc.grpc],
] as const) {
  console.log(`  ${kind}  ${fmt(c.observed)} req/s   ratio in wall time ${c.wallRatio.toFixed(2)}   in CPU time ${c.cpuRatio.toFixed(2)}`);
}
