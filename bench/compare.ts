import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { credentials, Metadata } from "@grpc/grpc-js";
import { ALLOCATOR_ENV } from "@kratos-ts/kratos";
import { GreeterClient } from "../api/helloworld/v1/greeter_grpc.js";
import { HelloRequestSchema } from "../api/helloworld/v1/greeter_pb.js";
import { closedLoop, type Load, runLoad } from "../test/support/loadgen.js";
import { freePort, pinToClientCore, spawnPinned } from "../test/support/pinned.js";
import { childEnv } from "../test/support/process.js";
import { repoRoot } from "../test/support/repo.js";
import { median } from "./stats.js";

/** The processes the service is compared with, each started fresh: bare express, bare grpc-js, and both in one process. */
export type Target = "service" | "express" | "grpc" | "both";

/** The fixed load: each transport's closed-loop clients and connections, warm-up and measured seconds. */
export interface Profile {
  rounds: number;
  warmupSeconds: number;
  seconds: number;
  /** HTTP: this many connections, each a client sending its next request once the last is answered. */
  httpClients: number;
  /** gRPC: this many connections, each carrying streamsPerConnection clients' calls. */
  grpcConnections: number;
  streamsPerConnection: number;
}

/** The profile of issue 17: 50 HTTP connections; 10 gRPC connections × 10 streams; 3 s warm-up, 10 s measured, 3 rounds. */
export const FULL_PROFILE: Profile = { rounds: 3, warmupSeconds: 3, seconds: 10, httpClients: 50, grpcConnections: 10, streamsPerConnection: 10 };

/** describeProfile says what load a profile offers, for a report. */
export function describeProfile(p: Profile): string {
  return `loadgen (closed loop, every answer checked) from core 1, ${p.httpClients} HTTP connections, ${p.grpcConnections} gRPC connections × ${p.streamsPerConnection} streams, ${p.warmupSeconds} s warm-up then ${p.seconds} s measured`;
}

/** What one target did in one round, per transport it serves. */
export interface TargetRun {
  coldStartMs: number;
  idleRssMiB: number;
  peakRssMiB: number;
  http?: Load;
  grpc?: Load;
}

/** One round: every target, each in a fresh process, loaded in turn. */
export type Round = Partial<Record<Target, TargetRun>>;

const SERVES: Record<Target, { http: boolean; grpc: boolean }> = {
  service: { http: true, grpc: true },
  express: { http: true, grpc: false },
  grpc: { http: false, grpc: true },
  both: { http: true, grpc: true },
};

/** A started target: its process, ports and the time from spawn to both ports answering SayHello correctly. */
interface Started {
  child: ChildProcess;
  ports: { http: number; grpc: number };
  coldStartMs: number;
}

/**
 * compareWithBaselines runs rounds of the service and its bare baselines, each round starting every target in a
 * fresh process on core 0 (where taskset exists) and loading it with loadgen from core 1, which checks every answer
 * (HTTP 200 with the exact body, gRPC OK with the exact reply) and counts only those. The targets' order turns by
 * one each round, so no target always runs first or last.
 */
export async function compareWithBaselines(targets: Target[], profile: Profile, dir: string, onRound?: (r: number, round: Round) => void): Promise<Round[]> {
  pinToClientCore();
  mkdirSync(dir, { recursive: true });
  const rounds: Round[] = [];
  for (let r = 0; r < profile.rounds; r++) {
    const round: Round = {};
    const order = targets.map((_, i) => targets[(i + r) % targets.length] as Target);
    for (const target of order) round[target] = await measure(target, profile, join(dir, `${target}-${r}`));
    rounds.push(round);
    onRound?.(r, round);
  }
  return rounds;
}

async function measure(target: Target, profile: Profile, dir: string): Promise<TargetRun> {
  const started = await start(target, dir);
  try {
    const pid = started.child.pid as number;
    const run: TargetRun = { coldStartMs: started.coldStartMs, idleRssMiB: memory(pid).rss, peakRssMiB: 0 };
    const load = (workers: number) => ["-name", "bench", ...closedLoop(workers, profile.seconds, profile.warmupSeconds)];
    if (SERVES[target].http) {
      run.http = await runLoad("http", started.ports.http, [...load(profile.httpClients), "-conns", String(profile.httpClients)]);
    }
    if (SERVES[target].grpc) {
      const streams = profile.grpcConnections * profile.streamsPerConnection;
      run.grpc = await runLoad("grpc", started.ports.grpc, [...load(streams), "-conns", String(profile.grpcConnections)]);
    }
    run.peakRssMiB = memory(pid).hwm;
    return run;
  } finally {
    await stop(started.child);
  }
}

/** memory reads a process's resident set and its high-water mark, in MiB. */
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rss: kib("VmRSS") / 1024, hwm: kib("VmHWM") / 1024 };
}

/** start spawns target on core 0 with its lines in dir/out.log, and waits until each port it serves answers SayHello correctly. */
async function start(target: Target, dir: string): Promise<Started> {
  mkdirSync(dir, { recursive: true });
  const ports = { http: await freePort(), grpc: await freePort() };
  const argv =
    target === "service"
      ? [join(repoRoot(), "dist/cmd/helloworld/main.js"), "-conf", join(repoRoot(), "configs")]
      : [join(repoRoot(), "dist/bench/baselines/main.js"), target, String(ports.http), String(ports.grpc)];
  const env = childEnv({
    // The service as make run and the image run it; the bare servers as a team would start them, with glibc's defaults.
    ...(target === "service" ? ALLOCATOR_ENV : {}),
    HELLOWORLD_SERVER_HTTP_ADDR: `127.0.0.1:${ports.http}`,
    HELLOWORLD_SERVER_GRPC_ADDR: `127.0.0.1:${ports.grpc}`,
    HELLOWORLD_LOG_FORMAT: "json",
    HELLOWORLD_DATA_DATABASE_SOURCE: join(dir, "helloworld.db"),
  });
  const began = performance.now();
  const child = spawnPinned(argv, env, join(dir, "out.log"));
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`${target} exited with ${code} before it answered`))));
  exited.catch(() => {});
  const answering = Promise.all([SERVES[target].http ? untilHTTP(ports.http) : undefined, SERVES[target].grpc ? untilGRPC(ports.grpc) : undefined]);
  await Promise.race([answering, exited, deadline(30_000, `${target} did not answer within 30 s`)]);
  return { child, ports, coldStartMs: performance.now() - began };
}

function deadline(ms: number, message: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref());
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** untilHTTP polls GET /helloworld/cold every 5 ms until it answers 200 with the exact body. */
async function untilHTTP(port: number): Promise<void> {
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/helloworld/cold`).then(
      async (res) => res.status === 200 && (await res.text()) === '{"message":"Hello cold"}',
      () => false,
    );
    if (ok) return;
    await pause(5);
  }
}

/** untilGRPC calls SayHello every 5 ms, on a client that reconnects at once, until it answers with the exact reply. */
async function untilGRPC(port: number): Promise<void> {
  const client = new GreeterClient(`127.0.0.1:${port}`, credentials.createInsecure(), {
    "grpc.initial_reconnect_backoff_ms": 5,
    "grpc.max_reconnect_backoff_ms": 5,
  });
  try {
    for (;;) {
      const ok = await new Promise<boolean>((resolve) =>
        client.sayHello(create(HelloRequestSchema, { name: "cold" }), new Metadata(), { deadline: Date.now() + 200 }, (err, reply) =>
          resolve(!err && reply?.message === "Hello cold"),
        ),
      );
      if (ok) return;
      await pause(5);
    }
  } finally {
    client.close();
  }
}

/** stop sends SIGTERM and waits for the exit, SIGKILL after 15 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

/** A ratio of the service to a baseline: the median of the rounds' ratios, and their least and greatest. */
export interface Ratio {
  median: number;
  min: number;
  max: number;
}

/** pairedRatios is the service's figure over the baseline's, round by round, in the rounds where both have it. */
export function pairedRatios(rounds: Round[], figure: (run: TargetRun) => number | undefined, baseline: Target): Ratio {
  const ratios = rounds.flatMap((round) => {
    const [s, b] = [round.service && figure(round.service), round[baseline] && figure(round[baseline] as TargetRun)];
    return s !== undefined && b !== undefined && b > 0 ? [s / b] : [];
  });
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

/** medianOf is a target's figure, the median over the rounds. */
export function medianOf(rounds: Round[], target: Target, figure: (run: TargetRun) => number | undefined): number {
  return median(rounds.flatMap((round) => (round[target] ? [figure(round[target] as TargetRun)] : [])).filter((x): x is number => x !== undefined));
}
