import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { timestampField } from "./timestamp.js";

describe("timestampField", () => {
  // Moments that cross a millisecond, a second, a minute, a day and a year, and ones with 0, 1, 2 and 3 ms digits.
  const moments = [
    Date.UTC(2026, 11, 31, 23, 59, 59, 999),
    Date.UTC(2027, 0, 1, 0, 0, 0, 0),
    Date.UTC(2027, 0, 1, 0, 0, 0, 7),
    Date.UTC(2027, 0, 1, 0, 0, 0, 7),
    Date.UTC(2027, 0, 1, 0, 0, 0, 42),
    Date.UTC(2027, 0, 1, 0, 0, 1, 100),
    Date.UTC(2027, 0, 1, 0, 0, 0, 999),
    Date.UTC(2026, 11, 1, 1, 23, 45, 678),
  ];

  it("is Date#toISOString's time at every moment, cached or not", (t: TestContext) => {
    for (const now of moments) {
      t.mock.method(Date, "now", () => now);
      assert.equal(timestampField(), `,"ts":"${new Date(now).toISOString()}"`);
      t.mock.restoreAll();
    }
  });
});
