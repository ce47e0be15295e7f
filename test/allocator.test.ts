// The image, make run and the README run the service with the framework's ALLOCATOR_ENV, the setting the memory
// test and the bench measure: written by hand in those three files, it is checked against the constant here.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ALLOCATOR_ENV } from "@kratos-ts/kratos";
import { repoRoot } from "./support/repo.js";

const root = repoRoot();
const expected = Object.entries(ALLOCATOR_ENV).map(([key, value]) => `${key}=${value}`);

/** assignments is every NAME=value of the MALLOC_ variables on line, in order. */
function assignments(line: string): string[] {
  return [...line.matchAll(/\b(MALLOC_\w+)=(\S+)/g)].map((m) => `${m[1]}=${m[2]}`);
}

/** theLine is the one line of file matching pattern. */
function theLine(file: string, pattern: RegExp): string {
  const lines = readFileSync(join(root, file), "utf8")
    .split("\n")
    .filter((l) => pattern.test(l));
  assert.equal(lines.length, 1, `${file}: expected one line matching ${pattern}, found ${lines.length}`);
  return lines[0] as string;
}

describe("allocator setting", () => {
  it("is the image's ENV", () => {
    assert.deepEqual(assignments(theLine("Dockerfile", /^ENV MALLOC_/)), expected);
  });

  it("is make run's", () => {
    assert.deepEqual(assignments(theLine("Makefile", /^\tMALLOC_.* node .*main\.js -conf configs$/)), expected);
  });

  it("is the README's run line", () => {
    assert.deepEqual(assignments(theLine("README.md", /# what make run does$/)), expected);
  });
});
