import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status as GRPCStatus } from "@grpc/grpc-js";
import { KratosError } from "../errors/errors.js";
import { toGRPCStatus } from "../errors/grpc.js";
import { ErrLimitExceed, EventLoopLimiter, eventLoopLoad, RATELIMIT_REASON } from "./limiter.js";

/** A limiter on a clock, a load and turns the test drives: endTurn() ends the event loop's turn. */
function limiter(load: number) {
  const state = { t: 1000, load, ends: [] as Array<() => void> };
  const l = new EventLoopLimiter({ maxTurn: 5, threshold: 0.8, load: () => state.load, now: () => state.t, afterTurn: (fn) => state.ends.push(fn) });
  const endTurn = () => {
    for (const fn of state.ends.splice(0)) fn();
  };
  return { l, state, endTurn };
}

/** admits is which of the requests a turn reads are served, one read every `gap` ms from the turn's start. */
function admits(l: EventLoopLimiter, state: { t: number }, n: number, gap: number): boolean[] {
  return Array.from({ length: n }, (_, i) => {
    if (i > 0) state.t += gap;
    return l.allow();
  });
}

describe("EventLoopLimiter", () => {
  it("serves a loaded turn for maxTurn and sheds the rest of its requests", () => {
    const { l, state } = limiter(0.95);
    // Reads at 0, 2, 4, 6 and 8 ms into the turn: those past 5 ms are shed.
    assert.deepEqual(admits(l, state, 5, 2), [true, true, true, false, false]);
  });

  it("starts every turn afresh, judged by what the turns before cost per request", () => {
    const { l, state, endTurn } = limiter(0.95);
    assert.deepEqual(admits(l, state, 4, 3), [true, true, false, false]);
    // That turn served 2 requests in 9 ms: 4.5 ms each, so the next, reading 3 at once, fits only its first.
    endTurn();
    assert.deepEqual(admits(l, state, 3, 0), [true, false, false]);
  });

  it("asks for the end of a turn once, on its first request", () => {
    const { l, state, endTurn } = limiter(0.95);
    admits(l, state, 10, 1);
    assert.equal(state.ends.length, 1);
    endTurn();
    admits(l, state, 1, 0);
    assert.equal(state.ends.length, 1);
  });

  it("serves no more in a loaded turn than the cost per request of the turns before lets fit in maxTurn", () => {
    const { l, state, endTurn } = limiter(0.95);
    // A turn of 4 requests that took 8 ms: 2 ms each, so 2 fit in a turn of 5 ms, even when all arrive at once.
    admits(l, state, 4, 0);
    state.t += 8;
    endTurn();
    assert.deepEqual(admits(l, state, 5, 0), [true, true, false, false, false]);
  });

  it("counts a shed request as a tenth of a served one in the cost per request", () => {
    const { l, state, endTurn } = limiter(0.95);
    // The first turn serves 1 and, past maxTurn, sheds 10: 6 ms for 1 + 10 × 0.1 requests is 3 ms each.
    admits(l, state, 1, 0);
    state.t += 6;
    admits(l, state, 10, 0);
    endTurn();
    assert.deepEqual(admits(l, state, 3, 0), [true, false, false]);
    state.t += 1;
    endTurn();
    // That turn served 1 and shed 2 in 1 ms: 1 / 1.2 ms each, blended one part in ten with 3 ms: about 2.78 ms, still 1 fits.
    assert.deepEqual(admits(l, state, 2, 0), [true, false]);
  });

  it("counts what a turn set off to run after its end, such as a batch of writes, in the cost of its requests", () => {
    const state = { t: 1000, busy: 0, ends: [] as Array<() => void> };
    const l = new EventLoopLimiter({
      maxTurn: 5,
      threshold: 0.8,
      load: () => 0.95,
      now: () => state.t,
      busy: () => state.busy,
      afterTurn: (fn) => state.ends.push(fn),
    });
    // Two requests read and handled in 2 ms; the turn ends, then its writes run for 8 ms more, then the loop idles 50 ms.
    assert.deepEqual([l.allow(), l.allow()], [true, true]);
    state.t += 2;
    state.busy += 2;
    for (const fn of state.ends.splice(0)) fn();
    state.busy += 8;
    state.t += 58;
    // 10 ms of work for 2 requests: 5 ms each, so one fits in the next turn (the 2 ms up to its end, 1 ms each, would have let in all three).
    assert.deepEqual(admits(l, state, 3, 0), [true, false, false]);
  });

  it("sheds nothing while the load is under the threshold, however long the turn", () => {
    const { l, state } = limiter(0.79);
    assert.deepEqual(admits(l, state, 6, 10), [true, true, true, true, true, true]);
    state.load = 0.8;
    assert.equal(l.allow(), false, "at the threshold, a turn past maxTurn sheds");
  });

  it("answers a shed request with 429 RATELIMIT, RESOURCE_EXHAUSTED over gRPC", () => {
    assert.ok(ErrLimitExceed instanceof KratosError);
    assert.deepEqual({ code: ErrLimitExceed.code, reason: ErrLimitExceed.reason }, { code: 429, reason: RATELIMIT_REASON });
    assert.equal(ErrLimitExceed.message, "service unavailable due to rate limit exceeded");
    assert.equal(toGRPCStatus(ErrLimitExceed).code, GRPCStatus.RESOURCE_EXHAUSTED);
  });
});

describe("eventLoopLoad", () => {
  /** A load on a clock and a busy time the test drives: run(ms, busy) advances both, busy the share of ms the loop worked. */
  function loadOn() {
    const state = { t: 0, busy: 0 };
    const load = eventLoopLoad({ window: 100, now: () => state.t, busy: () => state.busy });
    const run = (ms: number, share: number) => {
      state.t += ms;
      state.busy += ms * share;
    };
    return { load, run };
  }

  it("sees a loop that turns busy within a long turn, as it asks, with no timer to fire", () => {
    const { load, run } = loadOn();
    run(10_000, 0.05);
    assert.ok(Math.abs(load() - 0.05) < 1e-9, "ten quiet seconds, then asked once: their mean");
    // Then one turn that never yields: asked every 10 ms, the load rises as e^(-t/100) closes the gap to 1.
    const seen: number[] = [];
    for (let ms = 10; ms <= 200; ms += 10) {
      run(10, 1);
      seen.push(load());
    }
    const crossed = seen.findIndex((x) => x >= 0.8);
    assert.equal((crossed + 1) * 10, 160, `0.8 is passed 160 ms into the busy turn: ${seen.map((x) => x.toFixed(2)).join(" ")}`);
  });

  it("samples at most every 10 ms, and falls back as the loop idles", () => {
    const { load, run } = loadOn();
    run(1000, 1);
    const busy = load();
    assert.ok(busy > 0.9999, `a second busy: ${busy}`);
    run(5, 0);
    assert.equal(load(), busy, "5 ms after the last sample, the same load");
    run(95, 0);
    assert.ok(Math.abs(load() - busy * Math.exp(-1)) < 1e-9, "100 ms idle: e^-1 of it remains");
  });

  it("is one load for the whole process when asked without options", () => {
    assert.equal(eventLoopLoad(), eventLoopLoad());
  });
});
