// make test-hardening: runs the suites that prove the service holds up (limits and timeouts, no lost request at
// a stop, bounded memory, fuzzed input, abusive clients, load shedding, log hygiene), those that measure one file
// at a time, so each figure is measured alone, and then the rest two at a time; then prints a table: the test,
// the figures it reported, pass or fail, and its time. Exit 1 on a fail.
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { run } from "node:test";
import { fileURLToPath } from "node:url";

/** The suites whose figures are timings or memory: each runs alone, so that no other suite moves its figure. */
const MEASURED = [
  "test/overload.test.js",
  "test/slowloris.test.js",
  "test/drain-process.test.js",
  "test/memory.test.js",
  "test/fuzz-http.test.js",
  "test/fuzz-grpc.test.js",
  "test/fuzz-config.test.js",
];

/** The suites that check behaviour, not a timing: two at a time, after the measured ones. */
const CHECKED = [
  "test/http-limits.test.js",
  "test/grpc-limits.test.js",
  "test/grpc-connections.test.js",
  "test/shed.test.js",
  "test/drain.test.js",
  "test/process.test.js",
  "test/database-faults.test.js",
  "test/secrets.test.js",
  "internal/data/dialect.test.js",
  "../packages/kratos/dist/transport/deadline.test.js",
  "../packages/kratos/dist/timer.test.js",
  "../packages/kratos/dist/config/schema.test.js",
  "../packages/kratos/dist/config/loader.test.js",
  "../packages/kratos/dist/ratelimit/limiter.test.js",
  "../packages/kratos/dist/log/redact.test.js",
  "../packages/kratos/dist/middleware/logging.test.js",
  "../packages/kratos/dist/log/logger.test.js",
];

interface Row {
  suite: string;
  test: string;
  figures: string[];
  result: "pass" | "FAIL" | "skip";
  seconds: number;
}

// Alone here, the overload suite measures three rounds; beside other suites under make test, one.
process.env.OVERLOAD_ROUNDS = "3";

const dist = new URL("../", import.meta.url);
// The framework's suites are there only where its sources are: not in a service new from the layout.
const paths = (suites: string[]) => suites.map((s) => fileURLToPath(new URL(s, dist))).filter((p) => existsSync(p));
const rows: Row[] = [];
const start = performance.now();

const events = async function* () {
  yield* run({ files: paths(MEASURED), concurrency: 1 });
  yield* run({ files: paths(CHECKED), concurrency: 2 });
};

for await (const event of events()) {
  const data = event.data as {
    name?: string;
    file?: string;
    message?: string;
    skip?: unknown;
    details?: { type?: string; duration_ms?: number; error?: { message?: string } };
  };
  if (!data.file) continue;
  const suite = basename(data.file).replace(/\.test\.[jt]s$/, "");
  // A test's t.diagnostic lines are reported just after it passes or fails.
  if (event.type === "test:diagnostic") rows.findLast((r) => r.suite === suite)?.figures.push(data.message ?? "");
  if ((event.type !== "test:pass" && event.type !== "test:fail") || data.details?.type === "suite") continue;
  const failure = event.type === "test:fail" ? data.details?.error?.message?.split("\n")[0] : undefined;
  rows.push({
    suite,
    test: data.name ?? "",
    figures: failure ? [failure] : [],
    result: event.type === "test:fail" ? "FAIL" : data.skip ? "skip" : "pass",
    seconds: (data.details?.duration_ms ?? 0) / 1000,
  });
}

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");
console.log("| suite | test | figure | result | s |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.suite} | ${cell(r.test)} | ${cell(r.figures.join("; ")) || "–"} | ${r.result} | ${r.seconds.toFixed(1)} |`);
const failed = rows.filter((r) => r.result === "FAIL");
// The failures again, last, where a log cut to its tail (CI's) still shows them.
for (const r of failed) console.log(`\nFAIL ${r.suite}: ${r.test}\n  ${r.figures.join("\n  ")}`);
console.log(`\n${rows.length} tests, ${failed.length} failed, in ${((performance.now() - start) / 1000).toFixed(0)} s`);
process.exitCode = failed.length > 0 || rows.length === 0 ? 1 : 0;
