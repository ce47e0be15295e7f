import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cut, escapeControls, quote } from "./text.js";

describe("escapeControls", () => {
  it("writes C0 and C1 controls, DEL and U+2028/U+2029 as JSON escapes, and leaves the rest", () => {
    assert.equal(
      escapeControls("a\nb\rc\td\be\ff\u0000g\u001bh\u007fi\u0085j\u009fk\u2028l\u2029m"),
      "a\\nb\\rc\\td\\be\\ff\\u0000g\\u001bh\\u007fi\\u0085j\\u009fk\\u2028l\\u2029m",
    );
    assert.equal(escapeControls('plain "text" é \\ 😀'), 'plain "text" é \\ 😀');
  });
});

describe("quote", () => {
  it("writes a JSON string on one line, escaping what JSON.stringify leaves as it is", () => {
    assert.equal(quote('a"b\\c\n\u0085\u2028'), '"a\\"b\\\\c\\n\\u0085\\u2028"');
    assert.equal(quote(""), '""');
  });

  it("cuts text longer than max and marks the cut", () => {
    assert.equal(quote("x".repeat(101)), `"${"x".repeat(100)}…"`);
    assert.equal(quote("x".repeat(100)), `"${"x".repeat(100)}"`);
    assert.equal(quote("abcdef", 3), '"abc…"');
  });
});

describe("cut", () => {
  it("never splits a surrogate pair", () => {
    assert.equal(cut("ab😀c", 3), "ab…");
    assert.equal(cut("ab😀c", 4), "ab😀…");
  });
});
