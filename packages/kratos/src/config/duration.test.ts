import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDuration } from "./duration.js";

describe("parseDuration", () => {
  const valid: Array<[string, number]> = [
    ["1s", 1000],
    ["0.2s", 200],
    ["500ms", 500],
    ["1m30s", 90_000],
    ["1h", 3_600_000],
    ["1.5s", 1500],
    ["0", 0],
    ["0s", 0],
    ["100us", 0.1],
    ["1µs", 0.001], // U+00B5 micro sign
    ["1μs", 0.001], // U+03BC Greek mu
    ["1ns", 0.000001],
    [".5s", 500],
    ["1h1m1s1ms", 3_661_001],
  ];
  for (const [text, ms] of valid) {
    it(`reads ${JSON.stringify(text)} as ${ms} ms`, () => {
      assert.equal(parseDuration(text), ms);
    });
  }

  const invalid = ["", "1", "1x", "s", "-1s", "+1s", " 1s", "1s ", "00", "1e3s", "1S"];
  for (const text of invalid) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.equal(parseDuration(text), undefined);
    });
  }

  it("reads decimal fractions exactly, as Go does (1.005s is 1005 ms)", () => {
    assert.equal(parseDuration("1.005s"), 1005);
  });
});
