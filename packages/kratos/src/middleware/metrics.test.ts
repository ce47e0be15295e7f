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
});
