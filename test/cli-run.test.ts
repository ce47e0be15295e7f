// kratos-ts run, as a process, in a project of its own whose service is a small program: run builds it with make
// build, starts dist/cmd/<name>/main.js with -conf, passes SIGTERM on and exits with the service's code; with
// --watch, tsc rebuilds an edit and node restarts the service on it.
import "reflect-metadata";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { childEnv, killAll, startNode } from "./support/process.js";
import { repoRoot } from "./support/repo.js";

const root = repoRoot();
const framework = dirname(fileURLToPath(import.meta.resolve("@kratos-ts/kratos/package.json")));
const cli = pathToFileURL(join(framework, "bin/kratos-ts.js"));

/** The service: it says which version it is and its -conf, then waits for SIGTERM, or exits with EXIT_CODE if set. */
// The handler is set before the line that says it serves: a test signals it as soon as it reads that line.
const service = (version: string) => `const conf = process.argv[process.argv.indexOf("-conf") + 1];
const alive = setInterval(() => {}, 1000);
process.once("SIGTERM", () => {
  console.log("${version} stopped by SIGTERM");
  clearInterval(alive);
});
console.log("${version} serving, -conf " + conf);
if (process.env.EXIT_CODE) process.exit(Number(process.env.EXIT_CODE));
`;

describe("kratos-ts run", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kratos-run-"));
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    mkdirSync(join(dir, "cmd/app"), { recursive: true });
    writeFileSync(join(dir, "cmd/app/main.ts"), service("v1"));
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({ extends: join(root, "tsconfig.base.json"), compilerOptions: { rootDir: ".", outDir: "dist", types: ["node"] }, include: ["cmd"] }),
    );
    writeFileSync(join(dir, "Makefile"), "build:\n\t@echo make build ran\n\t@node_modules/.bin/tsc -p tsconfig.json\n");
  });
  after(async () => {
    await killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (args: string[], env: Record<string, string> = {}) => startNode(cli, ["run", ...args], { env: childEnv(env), cwd: pathToFileURL(`${dir}/`) });

  it("builds with make build, starts dist/cmd/<name>/main.js with -conf, and exits with the service's exit code", async () => {
    const proc = run(["--conf", "elsewhere"], { EXIT_CODE: "7" });
    const exit = await proc.exited;
    assert.deepEqual([exit.code, proc.messages()], [7, ["make build ran", "v1 serving, -conf elsewhere"]]);
  });

  it("passes SIGTERM on to the service, and exits 0 when it does", async () => {
    const proc = run([]);
    await proc.waitFor((l) => l.msg === "v1 serving, -conf configs", "v1 serving");
    proc.child.kill("SIGTERM");
    const exit = await proc.exited;
    assert.deepEqual([exit.code, proc.messages()], [0, ["make build ran", "v1 serving, -conf configs", "v1 stopped by SIGTERM"]]);
  });

  it("--watch serves an edit after tsc rebuilds it, and stops tsc with the service", async () => {
    const proc = run(["--watch"]);
    // tsc watches the sources once its first compilation is done: an edit before that may be missed.
    await Promise.all([
      proc.waitFor((l) => l.msg.endsWith("Found 0 errors. Watching for file changes."), "tsc watching"),
      proc.waitFor((l) => l.msg === "v1 serving, -conf configs", "v1 serving"),
    ]);
    writeFileSync(join(dir, "cmd/app/main.ts"), service("v2"));
    await proc.waitFor((l) => l.msg === "v2 serving, -conf configs", "v2 serving, after the edit");
    proc.child.kill("SIGTERM");
    // exited settles once stdout is closed by every process that shares it: tsc and its compiler as well as the service.
    const exit = await proc.exited;
    assert.equal(exit.code, 0, proc.stderr);
    const versions = proc.messages().filter((m) => /^v\d /.test(m));
    assert.equal(versions[0], "v1 serving, -conf configs", proc.messages().join("\n"));
    assert.deepEqual(versions.slice(-2), ["v2 serving, -conf configs", "v2 stopped by SIGTERM"], proc.messages().join("\n"));
  });

  it("refuses a project without exactly one service under cmd/", async () => {
    mkdirSync(join(dir, "cmd/other"));
    try {
      const proc = run([]);
      const exit = await proc.exited;
      assert.deepEqual([exit.code, proc.stderr], [1, `kratos-ts: run needs exactly one service under ${join(dir, "cmd")}, found 2\n`]);
    } finally {
      rmSync(join(dir, "cmd/other"), { recursive: true });
    }
  });
});
