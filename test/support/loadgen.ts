import { execFile } from "node:child_process";
import { pinned } from "./pinned.js";
import { findTool } from "./tools.js";

/** The load generator of test/loadgen (Go), built by make tools; undefined where the machine has no Go. */
export const loadgen = findTool("loadgen");

/** What loadgen reports: requests by outcome (ok, shed, or an error kind) and their latencies in ms, from their scheduled time. */
export interface Load {
  counts: Record<string, number>;
  allCounts?: Record<string, number>;
  okPerSecond: number;
  okP50: number;
  okP99: number;
  shedP99?: number;
  okMax: number;
  shedMax?: number;
  /** Requests loadgen sent more than 10 ms after their scheduled time: over 0, it could not offer the rate asked. */
  lateSends: number;
  /** loadgen's CPU time over its wall time: near 1, pinned to one core, it set the pace itself. */
  clientBusy: number;
}

/** runLoad runs loadgen against one server of the service (HTTP over 256 connections at most, gRPC over 4) with args, on core 1 where the machine can pin. */
export function runLoad(kind: "http" | "grpc", port: number, args: string[]): Promise<Load> {
  if (!loadgen) return Promise.reject(new Error("loadgen is not built: run make tools on a machine with Go"));
  const target = kind === "http" ? ["-http", `http://127.0.0.1:${port}`, "-conns", "256"] : ["-grpc", `127.0.0.1:${port}`, "-conns", "4"];
  const [file, argv] = pinned ? ["taskset", ["-c", "1", loadgen]] : [loadgen, []];
  return new Promise((resolve, reject) => {
    execFile(file, [...argv, ...target, ...args], { timeout: 60_000, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) reject(new Error(`loadgen: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout) as Load);
    });
  });
}

/** openLoop offers rate requests a second, whatever comes back, for a warm-up then the measured seconds. */
export const openLoop = (rate: number, seconds: number, warmup: number) => [
  "-rate",
  String(Math.round(rate)),
  "-warmup",
  `${warmup}s`,
  "-duration",
  `${seconds}s`,
];
/** closedLoop has workers clients each send a request as soon as its last is answered, for a warm-up then the measured seconds. */
export const closedLoop = (workers: number, seconds: number, warmup = 1) => ["-workers", String(workers), "-warmup", `${warmup}s`, "-duration", `${seconds}s`];
