import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status as GRPCStatus } from "@grpc/grpc-js";
import { KratosError } from "../errors/errors.js";
import { toGRPCStatus } from "../errors/grpc.js";
import { testContext } from "../testing/context.js";
import { BBRLimiter, ErrLimitExceed, RATELIMIT_REASON, ratelimit } from "./ratelimit.js";

/** A limiter on a clock and a load the test sets: 10 buckets of 100 ms. */
function limiter(load: { value: number }, clock: { t: number }) {
  return new BBRLimiter({ window: 1000, buckets: 10, threshold: 0.8, load: () => load.value, now: () => clock.t });
}

/** pass completes n requests of rt ms each, all in the bucket the clock is in, under a calm load. */
function pass(l: BBRLimiter, load: { value: number }, clock: { t: number }, n: number, rt: number) {
  const was = load.value;
  load.value = 0;
  const start = clock.t;
  const dones = Array.from({ length: n }, () => l.allow());
  clock.t = start + rt;
  for (const done of dones) done?.();
  clock.t = start;
  load.value = was;
}

describe("BBRLimiter, as Kratos's BBR", () => {
  it("limits the requests in flight to the most passed per bucket times the least mean latency, while the load is high", () => {
    const load = { value: 0.9 };
    const clock = { t: 10_000 };
    const l = limiter(load, clock);
    pass(l, load, clock, 50, 10);
    clock.t += 100;
    // 50 passed in a 100 ms bucket at 10 ms each: 50 × 10 ms × 10 buckets per second / 1000 = 5.
    assert.equal(l.maxInFlight(), 5);
    const admitted = Array.from({ length: 8 }, () => l.allow());
    // Kratos sheds once the requests already in flight exceed the limit: the 7th is the first shed.
    assert.deepEqual(
      admitted.map((d) => d !== undefined),
      [true, true, true, true, true, true, false, false],
    );
  });

  it("sheds nothing while the load is under the threshold, however many are in flight", () => {
    const load = { value: 0.5 };
    const clock = { t: 10_000 };
    const l = limiter(load, clock);
    pass(l, load, clock, 50, 10);
    clock.t += 100;
    assert.equal(Array.from({ length: 100 }, () => l.allow()).filter((d) => d === undefined).length, 0);
  });

  it("keeps the limit for a second after it last shed, then lets go", () => {
    const load = { value: 0.9 };
    const clock = { t: 10_000 };
    const l = limiter(load, clock);
    pass(l, load, clock, 50, 10);
    clock.t += 100;
    const held = Array.from({ length: 7 }, () => l.allow());
    assert.equal(held[6], undefined);
    load.value = 0.1;
    clock.t += 900;
    assert.equal(l.allow(), undefined, "within the second after the shed, the limit still holds");
    clock.t += 1001;
    assert.notEqual(l.allow(), undefined, "a second after the last shed, a calm load admits again");
  });

  it("forgets buckets older than the window", () => {
    const load = { value: 0.9 };
    const clock = { t: 10_000 };
    const l = limiter(load, clock);
    pass(l, load, clock, 50, 10);
    clock.t += 1000;
    // Nothing passed in the window: the floor of one request per bucket at 1 ms, rounded.
    assert.equal(l.maxInFlight(), 0);
  });
});

describe("ratelimit", () => {
  it("answers a shed request with 429 RATELIMIT, RESOURCE_EXHAUSTED over gRPC, without calling the handler", async () => {
    const load = { value: 0.9 };
    const clock = { t: 10_000 };
    const l = limiter(load, clock);
    pass(l, load, clock, 10, 10);
    clock.t += 100;
    let calls = 0;
    const release: Array<() => void> = [];
    const handler = ratelimit(l)(
      () =>
        new Promise((resolve) => {
          calls++;
          release.push(() => resolve("ok"));
        }),
    );
    const ctx = testContext();
    const first = handler(ctx, {});
    const second = handler(ctx, {});
    await assert.rejects(handler(ctx, {}), (err: unknown) => err === ErrLimitExceed);
    assert.equal(calls, 2);
    assert.ok(ErrLimitExceed instanceof KratosError);
    assert.deepEqual({ code: ErrLimitExceed.code, reason: ErrLimitExceed.reason }, { code: 429, reason: RATELIMIT_REASON });
    assert.equal(toGRPCStatus(ErrLimitExceed).code, GRPCStatus.RESOURCE_EXHAUSTED);
    for (const r of release) r();
    assert.deepEqual(await Promise.all([first, second]), ["ok", "ok"]);
  });
});
