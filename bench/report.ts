import type { Load } from "../test/support/loadgen.js";
import { medianOf, pairedRatios, type Ratio, type Round, type Target, type TargetRun } from "./compare.js";

/** The goals of issue 17, as ratios of the service to a baseline: at least (throughput) or at most (the rest). */
export const GOALS = {
  httpThroughput: 1.3,
  grpcThroughput: 1.0,
  p99: 1.2,
  idleRss: 1.15,
  peakRss: 1.3,
  coldStart: 1.2,
} as const;

const NAMES: Record<Target, string> = {
  service: "this service",
  express: "bare express 5 (res.json)",
  grpc: "bare grpc-js + proto-loader",
  both: "bare express + grpc-js, one process",
};

const rate = (load?: Load) => load?.okPerSecond;
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "–");
const ratio = (r: Ratio) => `${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;

/** A row of the ratio table: the figure, the service's ratio to its baseline, the goal, and whether it is met. */
export interface GoalRow {
  figure: string;
  ratio: Ratio;
  /** The goal's ratio, and how it reads: "≥ 1.30×" for a least, "≤ 1.20×" for a most. */
  target: number;
  goal: string;
  met: boolean;
}

/** goalRows pairs the service with each baseline, round by round, for every goal of issue 17. */
export function goalRows(rounds: Round[]): GoalRow[] {
  const at = (figure: string, r: Ratio, goal: number, atLeast: boolean): GoalRow => ({
    figure,
    ratio: r,
    target: goal,
    goal: `${atLeast ? "≥" : "≤"} ${goal.toFixed(2)}×`,
    met: atLeast ? r.median >= goal : r.median <= goal,
  });
  const rows = [
    at(
      "HTTP req/s vs bare express",
      pairedRatios(rounds, (t) => rate(t.http), "express"),
      GOALS.httpThroughput,
      true,
    ),
    at(
      "gRPC req/s vs bare grpc-js",
      pairedRatios(rounds, (t) => rate(t.grpc), "grpc"),
      GOALS.grpcThroughput,
      true,
    ),
    at(
      "HTTP p99 vs bare express",
      pairedRatios(rounds, (t) => t.http?.okP99, "express"),
      GOALS.p99,
      false,
    ),
    at(
      "gRPC p99 vs bare grpc-js",
      pairedRatios(rounds, (t) => t.grpc?.okP99, "grpc"),
      GOALS.p99,
      false,
    ),
  ];
  if (rounds.some((r) => r.both)) {
    rows.push(
      at(
        "idle RSS vs bare express + grpc-js",
        pairedRatios(rounds, (t) => t.idleRssMiB, "both"),
        GOALS.idleRss,
        false,
      ),
      at(
        "peak RSS vs bare express + grpc-js",
        pairedRatios(rounds, (t) => t.peakRssMiB, "both"),
        GOALS.peakRss,
        false,
      ),
      at(
        "cold start vs bare express + grpc-js",
        pairedRatios(rounds, (t) => t.coldStartMs, "both"),
        GOALS.coldStart,
        false,
      ),
    );
  }
  return rows;
}

/** markdown is the comparison as a table of medians per target, then the service's paired ratios against the goals. */
export function markdown(rounds: Round[], profile: string): string {
  const targets = (Object.keys(NAMES) as Target[]).filter((t) => rounds.some((r) => r[t]));
  const m = (t: Target, f: (run: TargetRun) => number | undefined, digits = 0) => fmt(medianOf(rounds, t, f), digits);
  const lines = [
    `Medians of ${rounds.length} rounds; ${profile}.`,
    "",
    "| server | HTTP req/s | gRPC req/s | p50 HTTP / gRPC ms | p99 HTTP / gRPC ms | idle RSS MiB | peak RSS MiB | cold start ms |",
    "|---|---|---|---|---|---|---|---|",
    ...targets.map(
      (t) =>
        `| ${NAMES[t]} | ${m(t, (r) => rate(r.http))} | ${m(t, (r) => rate(r.grpc))} | ${m(t, (r) => r.http?.okP50, 1)} / ${m(t, (r) => r.grpc?.okP50, 1)} | ${m(t, (r) => r.http?.okP99, 1)} / ${m(t, (r) => r.grpc?.okP99, 1)} | ${m(t, (r) => r.idleRssMiB)} | ${m(t, (r) => r.peakRssMiB)} | ${t === "service" || t === "both" ? m(t, (r) => r.coldStartMs) : "–"} |`,
    ),
    "",
    "The service against each baseline, paired within each round: median (least–greatest).",
    "",
    "| figure | ratio | goal | met |",
    "|---|---|---|---|",
    ...goalRows(rounds).map((g) => `| ${g.figure} | ${ratio(g.ratio)} | ${g.goal} | ${g.met ? "yes" : "**no**"} |`),
  ];
  const failed = rounds.flatMap((round, i) =>
    Object.entries(round).flatMap(([t, run]) =>
      [run.http, run.grpc].flatMap((load) =>
        Object.entries(load?.counts ?? {})
          .filter(([k]) => k !== "ok")
          .map(([k, n]) => `round ${i + 1}, ${t}: ${n} ${k}`),
      ),
    ),
  );
  if (failed.length > 0) lines.push("", `Answers not counted (not a correct reply): ${failed.join("; ")}.`);
  return `${lines.join("\n")}\n`;
}
