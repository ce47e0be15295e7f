import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Load } from "../test/support/loadgen.js";
import { chartSVG } from "./chart.js";
import { medianOf, pairedRatios, type Round, type TargetRun } from "./compare.js";
import { goalRows, markdown } from "./report.js";

const load = (okPerSecond: number, okP99: number, counts: Record<string, number> = { ok: okPerSecond * 10 }): Load => ({
  counts,
  okPerSecond,
  okP50: okP99 / 4,
  okP99,
  okMax: okP99 * 2,
  lateSends: 0,
  clientBusy: 0.5,
});
const run = (over: Partial<TargetRun>): TargetRun => ({ coldStartMs: 500, idleRssMiB: 60, peakRssMiB: 120, ...over });

// Three rounds in which the machine's speed moves by half: the paired ratios stay where the medians of each side do not.
const rounds: Round[] = [
  {
    service: run({ http: load(1300, 24), grpc: load(1000, 30), coldStartMs: 600, idleRssMiB: 69, peakRssMiB: 150 }),
    express: run({ http: load(1000, 20) }),
    grpc: run({ grpc: load(1000, 30) }),
    both: run({ coldStartMs: 500, idleRssMiB: 60, peakRssMiB: 120 }),
  },
  {
    service: run({ http: load(650, 12), grpc: load(450, 15), coldStartMs: 900, idleRssMiB: 66, peakRssMiB: 132 }),
    express: run({ http: load(500, 10) }),
    grpc: run({ grpc: load(500, 15) }),
    both: run({ coldStartMs: 1000, idleRssMiB: 60, peakRssMiB: 120 }),
  },
  {
    service: run({ http: load(2000, 30, { ok: 20000, shed: 5 }), grpc: load(2200, 40), coldStartMs: 700, idleRssMiB: 63, peakRssMiB: 126 }),
    express: run({ http: load(1600, 20) }),
    grpc: run({ grpc: load(2000, 40) }),
    both: run({ coldStartMs: 700, idleRssMiB: 60, peakRssMiB: 120 }),
  },
];

describe("bench report", () => {
  it("pairs the service with a baseline within each round and gives the median, least and greatest ratio", () => {
    assert.deepEqual(
      pairedRatios(rounds, (t) => t.http?.okPerSecond, "express"),
      { median: 1.3, min: 1.25, max: 1.3 },
    );
    assert.deepEqual(
      pairedRatios(rounds, (t) => t.grpc?.okPerSecond, "grpc"),
      { median: 1, min: 0.9, max: 1.1 },
    );
    assert.equal(
      medianOf(rounds, "express", (t) => t.http?.okPerSecond),
      1000,
    );
  });

  it("holds every goal of issue 17 against its ratio, at least for throughput and at most for the rest", () => {
    assert.deepEqual(
      goalRows(rounds).map((g) => [g.figure, g.goal, Number(g.ratio.median.toFixed(3)), g.met]),
      [
        ["HTTP req/s vs bare express", "≥ 1.30×", 1.3, true],
        ["gRPC req/s vs bare grpc-js", "≥ 1.00×", 1, true],
        ["HTTP p99 vs bare express", "≤ 1.20×", 1.2, true],
        ["gRPC p99 vs bare grpc-js", "≤ 1.20×", 1, true],
        ["idle RSS vs bare express + grpc-js", "≤ 1.15×", 1.1, true],
        ["peak RSS vs bare express + grpc-js", "≤ 1.30×", 1.1, true],
        ["cold start vs bare express + grpc-js", "≤ 1.20×", 1, true],
      ],
    );
    const slow = rounds.map((r) => ({ ...r, service: { ...(r.service as TargetRun), coldStartMs: 2000 } }));
    assert.equal(goalRows(slow).at(-1)?.met, false);
  });

  it("writes the medians, the ratio table and every answer that was not counted", () => {
    const md = markdown(rounds, "a test profile");
    assert.match(md, /^Medians of 3 rounds; a test profile\.$/m);
    assert.match(md, /^\| this service \| 1,300 \| 1,000 \| 6\.0 \/ 7\.5 \| 24\.0 \/ 30\.0 \| 66 \| 132 \| 700 \|$/m);
    assert.match(md, /^\| bare express 5 \(res\.json\) \| 1,000 \| – \| 5\.0 \/ – \| 20\.0 \/ – \| 60 \| 120 \| – \|$/m);
    assert.match(md, /^\| HTTP req\/s vs bare express \| 1\.30× \(1\.25–1\.30\) \| ≥ 1\.30× \| yes \|$/m);
    assert.match(md, /^Answers not counted \(not a correct reply\): round 3, service: 5 shed\.$/m);
  });

  it("charts each goal as a bar at its median with a whisker from the least to the greatest round, green where met and red where not", () => {
    const rows = goalRows(rounds.map((r) => ({ ...r, service: { ...(r.service as TargetRun), coldStartMs: 2000 } })));
    const svg = chartSVG(rows, "a <test> chart");
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<text x="10" y="22" font-size="14" font-weight="bold">a &lt;test&gt; chart<\/text>/);
    assert.equal(svg.match(/<rect x=/g)?.length, 7);
    assert.equal(svg.match(/fill="#2e7d32"/g)?.length, 6);
    assert.equal(svg.match(/fill="#c62828"/g)?.length, 1);
    assert.match(svg, />1\.30× \(goal ≥ 1\.30×\)</);
    assert.match(svg, />2\.86× \(goal ≤ 1\.20×\)</);
  });
});
