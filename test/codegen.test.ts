import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { repoRoot } from "./support/repo.js";

const run = promisify(execFile);
const root = repoRoot();
const generated = /(_pb|_grpc|_http|_errors)\.ts$|openapi\.yaml$/;

function listGenerated(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listGenerated(path, base);
    return generated.test(name) ? [relative(base, path)] : [];
  });
}

describe("generated code", () => {
  it("is what make api generates from the protos today", { timeout: 120_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), "codegen-"));
    try {
      const env = { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` };
      // A service new from the layout has no framework sources, so no buf.gen.pkg.yaml and no packages/kratos.
      for (const template of ["buf.gen.pkg.yaml", "buf.gen.api.yaml", "buf.gen.test.yaml"].filter((t) => existsSync(join(root, t)))) {
        await run("buf", ["generate", "--template", template, "-o", out], { cwd: root, env });
      }
      const fresh = listGenerated(out).sort();
      const committed = ["packages/kratos/src/gen", "api", "test/api", "openapi.yaml"]
        .filter((p) => existsSync(join(root, p)))
        .flatMap((p) => (statSync(join(root, p)).isDirectory() ? listGenerated(join(root, p), root) : [p]))
        .sort();
      assert.deepEqual(committed, fresh, "the committed generated files differ from the fresh ones: run make api");
      for (const file of fresh) {
        assert.equal(readFileSync(join(root, file), "utf8"), readFileSync(join(out, file), "utf8"), `${file} is stale: run make api`);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
