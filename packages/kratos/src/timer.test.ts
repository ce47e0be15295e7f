import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_TIMER_MS, setLongTimeout } from "./timer.js";

describe("setLongTimeout", () => {
  it("waits a delay longer than Node's timers take in steps, instead of firing after 1 ms", (t) => {
    t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
    let fired = 0;
    setLongTimeout(() => fired++, MAX_TIMER_MS * 2 + 5);
    t.mock.timers.tick(MAX_TIMER_MS);
    t.mock.timers.tick(MAX_TIMER_MS);
    assert.equal(fired, 0, "not before the whole delay");
    t.mock.timers.tick(5);
    assert.equal(fired, 1);
  });

  it("fires a short delay once, and not at all once cancelled or when infinite", (t) => {
    t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
    let fired = 0;
    setLongTimeout(() => fired++, 10);
    const cancel = setLongTimeout(() => fired++, MAX_TIMER_MS + 10);
    setLongTimeout(() => fired++, Number.POSITIVE_INFINITY);
    t.mock.timers.tick(MAX_TIMER_MS);
    cancel();
    t.mock.timers.tick(MAX_TIMER_MS);
    assert.equal(fired, 1);
  });
});
