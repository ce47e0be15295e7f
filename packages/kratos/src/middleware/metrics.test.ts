import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import { newError } from "../errors/errors.js";
import { testContext } from "../testing/context.js";
import { DEFAULT_SECONDS_BUCKETS, metrics } from "./metrics.js";

const op = "/probe.Probe/Call";

/** counts returns server_requests_code_total by "kind operation code reason". */
async function counts(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric("server_requests_code_total")?.get();
  return Object.fromEntries((metric?.values ?? []).map((v) => [`${v.labels.kind} ${v.labels.operation} ${v.labels.code} ${v.labels.reason}`, v.value]));
}

async function gauge(registry: Registry, name: string): Promise<number[]> {
  return ((await registry.getSingleMetric(name)?.get())?.values ?? []).map((v) => v.value);
}

describe("metrics middleware", () => {
  it("counts successes as 200 with no reason, a KratosError by its code and reason, and anything else as 500 UNKNOWN", async () => {
    const registry = new Registry();
    const grpc = metrics(registry)(async (_ctx, req) => {
      if (req === "missing") throw newError(404, "USER_NOT_FOUND", "no");
      if (req === "boom") throw new Error("boom");
      return "ok";
    });
    // A second server on the same registry shares the metrics instead of registering them again.
    const http = metrics({ registry })(async () => "ok");
    assert.equal(await grpc(testContext({ operation: op }), "x"), "ok");
    assert.equal(await grpc(testContext({ operation: op }), "x"), "ok");
    await assert.rejects(grpc(testContext({ operation: op }), "missing"), { reason: "USER_NOT_FOUND" });
    await assert.rejects(grpc(testContext({ operation: op }), "boom"), { message: "boom" });
    assert.equal(await http(testContext({ operation: op, kind: "http" }), "x"), "ok");
    assert.deepEqual(await counts(registry), {
      [`grpc ${op} 200 `]: 2,
      [`grpc ${op} 404 USER_NOT_FOUND`]: 1,
      [`grpc ${op} 500 UNKNOWN`]: 1,
      [`http ${op} 200 `]: 1,
    });
    const seconds = await registry.getSingleMetric("server_requests_seconds")?.get();
    const count = (kind: string) =>
      seconds?.values.find((v) => (v as { metricName?: string }).metricName === "server_requests_seconds_count" && v.labels.kind === kind)?.value;
    assert.equal(count("grpc"), 4);
    assert.equal(count("http"), 1);
    assert.deepEqual(
      seconds?.values
        .filter((v) => (v as { metricName?: string }).metricName === "server_requests_seconds_bucket" && v.labels.kind === "http")
        .map((v) => v.labels.le),
      [...DEFAULT_SECONDS_BUCKETS, "+Inf"],
    );
  });

  it("has a request in flight while its handler runs, and none after", async () => {
    const registry = new Registry();
    let release = () => {};
    const blocked = new Promise<void>((r) => {
      release = r;
    });
    const handler = metrics(registry)(async () => {
      await blocked;
      return "ok";
    });
    const pending = handler(testContext({ operation: op }), "x");
    assert.deepEqual(await gauge(registry, "server_requests_in_flight"), [1]);
    release();
    await pending;
    assert.deepEqual(await gauge(registry, "server_requests_in_flight"), [0]);
  });

  it("keeps registries apart: two apps in one process do not collide", async () => {
    const a = new Registry();
    const b = new Registry();
    await metrics(a)(async () => "ok")(testContext({ operation: op }), "x");
    metrics(b);
    assert.deepEqual(await counts(a), { [`grpc ${op} 200 `]: 1 });
    assert.deepEqual(await counts(b), {});
  });

  it("puts each duration in the first bucket whose bound it does not pass (le), and counts and sums them", async (t) => {
    const registry = new Registry();
    // Each call takes the next of these many seconds, by the clock the middleware reads.
    const durations = [0.005, 0.0051, 0.01, 20];
    let clock = 0;
    let call = 0;
    t.mock.method(performance, "now", () => clock);
    const timed = metrics({ registry, buckets: [0.01, 0.005] })(async () => {
      clock += (durations[call++] as number) * 1000;
      return "ok";
    });
    for (const _ of durations) await timed(testContext({ operation: op, kind: "http" }), "x");
    const metric = await registry.getSingleMetric("server_requests_seconds")?.get();
    assert.deepEqual(
      metric?.values.map((v) => [(v as { metricName?: string }).metricName, v.labels.le ?? "", v.value]),
      [
        ["server_requests_seconds_bucket", 0.005, 1],
        ["server_requests_seconds_bucket", 0.01, 3],
        ["server_requests_seconds_bucket", "+Inf", 4],
        ["server_requests_seconds_sum", "", 0.005 + 0.0051 + 0.01 + 20],
        ["server_requests_seconds_count", "", 4],
      ],
    );
    assert.equal(metric?.type, "histogram");
  });
});
