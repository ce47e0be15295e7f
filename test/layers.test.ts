import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "./support/repo.js";

const root = repoRoot();

/** Every relative import of every hand-written and generated .ts file, as repo-relative paths. */
function imports(dir: string): Array<{ from: string; to: string; test: boolean }> {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return imports(path);
    if (!name.endsWith(".ts")) return [];
    const text = readFileSync(join(root, path), "utf8");
    return [...text.matchAll(/(?:import|export)[^'"]*?from\s+["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g)].map((m) => ({
      from: path,
      to: relative(root, resolve(root, dirname(path), (m[1] ?? m[2]) as string)),
      test: name.endsWith(".test.ts"),
    }));
  });
}

const framework = "packages/kratos/";
// A service new from the layout has the framework from npm, not its sources: its rules then hold vacuously.
const all = ["api", "cmd", "internal", "test", "bench", `${framework}src`].filter((d) => existsSync(join(root, d))).flatMap(imports);

function offenders(fromPrefix: string, toPrefixes: string[]): string[] {
  // Tests may reach across layers to wire fakes; the layer rules are for the product code.
  return all.filter((i) => !i.test && i.from.startsWith(fromPrefix) && toPrefixes.some((p) => i.to.startsWith(p))).map((i) => `${i.from} -> ${i.to}`);
}

describe("layering", () => {
  it("finds the imports it checks", () => {
    assert.ok(all.some((i) => i.from === "internal/service/greeter.ts" && i.to === "internal/biz/greeter.js"));
  });

  it("biz imports none of data, service or server", () => {
    assert.deepEqual(offenders("internal/biz/", ["internal/data/", "internal/service/", "internal/server/"]), []);
  });

  it("data and service import biz but not each other or the servers", () => {
    assert.deepEqual(offenders("internal/data/", ["internal/service/", "internal/server/"]), []);
    assert.deepEqual(offenders("internal/service/", ["internal/data/", "internal/server/"]), []);
  });

  it("no product code outside cmd imports cmd", () => {
    assert.deepEqual([...offenders("api/", ["cmd/"]), ...offenders("internal/", ["cmd/"]), ...offenders(framework, ["cmd/"])], []);
  });

  it("the framework package imports nothing outside itself", () => {
    assert.deepEqual(
      all.filter((i) => i.from.startsWith(framework) && !i.to.startsWith(framework)).map((i) => `${i.from} -> ${i.to}`),
      [],
    );
  });

  it("the service reaches the framework by its package name, never by a relative path", () => {
    assert.deepEqual(
      all.filter((i) => !i.from.startsWith(framework) && i.to.startsWith("packages/")).map((i) => `${i.from} -> ${i.to}`),
      [],
    );
  });

  it("api imports only the framework and itself", () => {
    assert.deepEqual(offenders("api/", ["internal/", "cmd/", "test/"]), []);
  });
});
