import "reflect-metadata";
import { benchLog } from "./log.js";
import { benchTransports } from "./transports.js";

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

const log = benchLog(rounds);
console.log(`logging, median of ${rounds} rounds of 100,000 lines:`);
console.log(`  json lines           ${fmt(log.plain)} lines/s`);
console.log(`  with caller field    ${fmt(log.caller)} lines/s`);
console.log(`  caller/plain ratio   ${log.ratio.toFixed(2)} (caller stays opt-in while this is below 0.90)`);

const t = await benchTransports(rounds);
console.log(`SayHello, median of ${rounds} rounds of 4,000 calls, 16 at a time, client and server in this process:`);
console.log(`  HTTP  bare express   ${fmt(t.http.bare)} req/s   framework ${fmt(t.http.framework)} req/s   ratio ${t.http.ratio.toFixed(2)}`);
console.log(`  gRPC  bare grpc-js   ${fmt(t.grpc.bare)} req/s   framework ${fmt(t.grpc.framework)} req/s   ratio ${t.grpc.ratio.toFixed(2)}`);
console.log("SayHello with the access log (logging middleware, lines to a sink), same rounds:");
console.log(`  HTTP  framework + access log ${fmt(t.http.logged)} req/s   ratio to framework ${t.http.loggedRatio.toFixed(2)}`);
console.log(`  gRPC  framework + access log ${fmt(t.grpc.logged)} req/s   ratio to framework ${t.grpc.loggedRatio.toFixed(2)}`);
