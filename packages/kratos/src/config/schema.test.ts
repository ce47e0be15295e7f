import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { z } from "zod";
import { address, duration } from "./schema.js";

/** issue parses value with schema and returns the one message it is refused with. */
function issue(schema: z.ZodType, value: unknown): string {
  const result = schema.safeParse(value);
  assert.equal(result.success, false, "want the value refused");
  assert.equal(result.error?.issues.length, 1);
  return result.error?.issues[0]?.message as string;
}

describe("duration()", () => {
  const whole: Array<[string, number]> = [
    ["1s", 1000],
    ["0.2s", 200],
    ["1.005s", 1005],
    ["0", 0],
    ["0s", 0],
    ["0.5ns", 0], // Go reads it as 0 too
    ["596h", 2_145_600_000],
  ];
  for (const [text, ms] of whole) {
    it(`reads ${JSON.stringify(text)} as ${ms} ms`, () => {
      assert.equal(duration().parse(text), ms);
    });
  }

  // Node's timers and socket timeouts take whole milliseconds; http.createServer throws on 1.5.
  const rounded: Array<[string, number]> = [
    ["1500us", 2],
    ["1.5ms", 2],
    ["999us", 1],
    ["1ns", 1],
    ["858221ns", 1],
    ["1000001ns", 2],
    ["7.227468h", 26_018_885], // 26018884.8 ms
    ["1h1m1s1ms1us1ns", 3_661_002],
  ];
  for (const [text, ms] of rounded) {
    it(`rounds ${JSON.stringify(text)} up to ${ms} whole ms, so a positive duration never becomes 0`, () => {
      const got = duration().parse(text);
      assert.equal(got, ms);
      assert.ok(Number.isInteger(got));
    });
  }

  it("refuses a value longer than 596h by even a nanosecond, before rounding", () => {
    assert.equal(issue(duration(), "596h0m0.000000001s"), 'invalid duration "596h0m0.000000001s": longer than 596h, the longest Node\'s timers wait');
  });

  it("shows a refused value on one line, control characters escaped and cut to 100 characters", () => {
    assert.equal(
      issue(duration(), "1\u0085s\u2028\u001b[31m"),
      'invalid duration "1\\u0085s\\u2028\\u001b[31m": want a Go duration such as 1s, 500ms or 1m30s',
    );
    assert.equal(issue(duration(), "x".repeat(100_000)), `invalid duration "${"x".repeat(100)}…": want a Go duration such as 1s, 500ms or 1m30s`);
    assert.equal(issue(duration(), Number.NaN), "invalid duration NaN: want a Go duration such as 1s, 500ms or 1m30s");
    assert.equal(issue(duration(), ["1s"]), 'invalid duration ["1s"]: want a Go duration such as 1s, 500ms or 1m30s');
  });

  it("names a cyclic or huge sequence by its kind rather than writing it out", () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    assert.equal(issue(duration(), cyclic), "invalid duration (a sequence): want a Go duration such as 1s, 500ms or 1m30s");
    // What YAML aliases make of a few lines: 10^9 ones, written out.
    let bomb: unknown = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    for (let i = 0; i < 8; i++) bomb = Array(10).fill(bomb);
    assert.equal(issue(duration(), bomb), "invalid duration (a sequence): want a Go duration such as 1s, 500ms or 1m30s");
    assert.equal(issue(duration(), { a: bomb }), "invalid duration (a mapping): want a Go duration such as 1s, 500ms or 1m30s");
  });
});

describe("address()", () => {
  it("refuses a host that is no hostname with parseAddress's message", () => {
    assert.equal(
      issue(address(), "bad\nhost:0"),
      'invalid address "bad\\nhost:0": the host must be a hostname, an IPv4 address or an IPv6 address in brackets',
    );
  });
});
