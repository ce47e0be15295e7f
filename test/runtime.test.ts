// Which Node runs the suite. `make test-node24` sets EXPECT_NODE_VERSION to the pinned Node 24 it
// installed and puts that node first on PATH; a run that ends up on another node fails here instead of
// passing on it. Without EXPECT_NODE_VERSION (plain `make test`) the version is only reported, but the
// children and `node` on PATH must still be the node that runs the tests.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { delimiter, join } from "node:path";
import { after, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { childEnv, killAll, startNode } from "./support/process.js";
import { repoRoot } from "./support/repo.js";

const run = promisify(execFile);
const root = repoRoot();
const expected = process.env.EXPECT_NODE_VERSION;

/** matches is true when version (without the v) is expected, or expected is its major or major.minor. */
function matches(version: string, want: string): boolean {
  return version === want || version.startsWith(`${want}.`);
}

after(killAll);

describe("test runtime", () => {
  it("is the node the Makefile asked for", (t) => {
    t.diagnostic(`node ${process.version} at ${process.execPath}${expected ? `, expected ${expected}` : ", EXPECT_NODE_VERSION not set"}`);
    if (expected) assert.ok(matches(process.versions.node, expected), `the tests run on node ${process.version}, not on ${expected}`);
  });

  it("starts child programs with the same node", async () => {
    const child = startNode(new URL("./fixtures/node-version.js", import.meta.url), [], { env: childEnv({}), cwd: pathToFileURL(`${root}/`) });
    const line = await child.waitForMsg("node-version");
    assert.equal((await child.exited).code, 0, child.transcript());
    assert.equal(line.version, process.version);
    assert.equal(line.execPath, process.execPath);
  });

  it("has that node first on PATH, for the protoc plugins buf starts", async () => {
    // codegen.test.ts runs buf with node_modules/.bin before PATH; the plugins' `#!/usr/bin/env node` finds this node.
    const env = { ...process.env, PATH: [join(root, "node_modules/.bin"), process.env.PATH].join(delimiter) };
    const { stdout } = await run("node", ["-p", "process.version"], { env, encoding: "utf8" });
    assert.equal(stdout.trim(), process.version, "`node` on PATH is another node than the one running the tests");
  });
});
