import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALLOCATOR_ENV } from "@kratos-ts/kratos";
import { closedLoop, loadgen, runLoad } from "../test/support/loadgen.js";
import { type PinnedService, pinToClientCore, startPinned } from "../test/support/pinned.js";
import { median, quantile } from "./stats.js";

/** The service with access log, tracing and metrics off, by the environment that overrides its config. */
export const QUIET_ENV = { HELLOWORLD_LOG_ACCESS: "false", HELLOWORLD_TRACE_ENABLED: "false", HELLOWORLD_SERVER_HTTP_METRICS_PATH: "" };

/** The service on glibc's own malloc settings: every variable of the framework's ALLOCATOR_ENV unset. */
export const GLIBC_DEFAULT_ENV: Record<string, undefined> = Object.fromEntries(Object.keys(ALLOCATOR_ENV).map((key) => [key, undefined]));

/** The paired ratios of one comparison: medians and quartiles of the rounds' a/b. */
export interface ProcessComparison {
  a: number;
  ratio: number;
  quartiles: [number, number];
}

/**
 * withPair starts the service twice, a (env a) and b (env b), both on core 0 with the limiter off, moves this process
 * to core 1, runs measure on them, and stops them.
 */
async function withPair<T>(
  a: Record<string, string | undefined>,
  b: Record<string, string | undefined>,
  measure: (pa: PinnedService, pb: PinnedService) => Promise<T>,
): Promise<T> {
  pinToClientCore();
  const dir = mkdtempSync(join(tmpdir(), "bench-budget-"));
  // 32 clients keep it saturated, which the limiter would rightly shed: this measures what a request costs.
  const off = { HELLOWORLD_SERVER_RATELIMIT_ENABLED: "false" };
  const [pa, pb] = [await startPinned(join(dir, "a"), { ...off, ...a }), await startPinned(join(dir, "b"), { ...off, ...b })];
  try {
    return await measure(pa, pb);
  } finally {
    await Promise.all([pa.stop(), pb.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** served loads p with 32 clients, closed loop, for seconds, and gives the rate served; any answer that is not a success fails it. */
async function served(kind: "http" | "grpc", p: PinnedService, seconds: number): Promise<number> {
  const load = await runLoad(kind, kind === "http" ? p.ports.http : p.ports.grpc, ["-name", "bench", ...closedLoop(32, seconds, 0.3)]);
  const failed = Object.keys(load.counts).filter((k) => k !== "ok");
  if (failed.length > 0) throw new Error(`${kind}: answers that were not a success: ${JSON.stringify(load.counts)}`);
  return load.okPerSecond;
}

/**
 * compareProcesses measures two real service processes, a (env a) against b (env b), as an outside client sees
 * them: both pinned to core 0 and loaded in turn by loadgen from core 1, 32 clients, closed loop, one second at
 * a time, in the order b, a, a, b each round, so a drift of the machine within a round cancels out. Each
 * process writes its lines to a file, and this one moves to core 1. Every answer is checked by loadgen; any that is
 * not a success fails it.
 */
export function compareProcesses(
  kind: "http" | "grpc",
  rounds: number,
  a: Record<string, string | undefined>,
  b: Record<string, string | undefined>,
): Promise<ProcessComparison> {
  return withPair(a, b, async (pa, pb) => {
    // Warm both up, so that neither is measured while its code is still being compiled.
    for (const p of [pa, pb, pa, pb]) await served(kind, p, 2);
    const ratios: number[] = [];
    const rates: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const b1 = await served(kind, pb, 1);
      const a1 = await served(kind, pa, 1);
      const a2 = await served(kind, pa, 1);
      const b2 = await served(kind, pb, 1);
      ratios.push((a1 + a2) / (b1 + b2));
      rates.push((a1 + a2) / 2);
    }
    return { a: median(rates), ratio: median(ratios), quartiles: [quantile(ratios, 0.25), quantile(ratios, 0.75)] };
  });
}

/** The CPU time a process has used, user and system, in clock ticks (1/100 s on Linux). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** The paired cost of one comparison at once: medians and quartiles of the rounds' CPU time per request, a over b. */
export interface CostComparison {
  costRatio: number;
  quartiles: [number, number];
}

/**
 * compareCosts measures what a request costs process a against process b in CPU time, both on core 0 and loaded at
 * the same time, each by its own loadgen from core 1 (32 clients, closed loop), for seconds a round: whatever the
 * machine's speed does during a round, it does to both. A cost ratio of c is a budget ratio of 1/c for a process
 * that has the core to itself. CPU time comes from /proc, in 10 ms ticks: a round of 3 s reads to about 1 %.
 */
export function compareCosts(
  kind: "http" | "grpc",
  rounds: number,
  a: Record<string, string | undefined>,
  b: Record<string, string | undefined>,
  seconds = 3,
): Promise<CostComparison> {
  return withPair(a, b, async (pa, pb) => {
    await Promise.all([served(kind, pa, 2), served(kind, pb, 2)]);
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const [ta, tb] = [cpuTicks(pa.pid), cpuTicks(pb.pid)];
      const [ra, rb] = await Promise.all([served(kind, pa, seconds), served(kind, pb, seconds)]);
      ratios.push((cpuTicks(pa.pid) - ta) / (ra * seconds) / ((cpuTicks(pb.pid) - tb) / (rb * seconds)));
    }
    return { costRatio: median(ratios), quartiles: [quantile(ratios, 0.25), quantile(ratios, 0.75)] };
  });
}

/** Whether compareProcesses can run here: loadgen is built (make tools, on a machine with Go). */
export const canCompareProcesses = loadgen !== undefined;
