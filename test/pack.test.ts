import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, sep } from "node:path";
import { after, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { listFiles } from "./support/files.js";
import { killAll, startNode } from "./support/process.js";
import { repoRoot } from "./support/repo.js";

// Publishing @kratos-ts/kratos, proved with the real tools: npm pack makes the tarball, a fresh project outside the
// repo installs it from the npm cache or registry, generates its code with buf and the packed protoc-gen-kratos from
// the protos the package ships, compiles it with tsc and serves Echo on both transports.

const root = repoRoot();
const pkgDir = join(root, "packages/kratos");
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as {
  name: string;
  version: string;
  exports: Record<string, string | { types: string; default: string }>;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
const fixture = join(root, "test/fixtures/pack-consumer");

interface Result {
  stdout: string;
  stderr: string;
}

/** step runs one tool to completion; if it fails, the error names the step and carries the tool's output. */
function step(name: string, file: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...opts, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, stderr });
      const how = typeof err.code === "number" ? `exit code ${err.code}` : (err.signal ?? err.code ?? err.message);
      reject(
        new Error(`${name} failed (${how}): ${file} ${args.join(" ")}\n  in ${opts.cwd}\n--- stdout ---\n${stdout}--- stderr ---\n${stderr}--------------`, {
          cause: err,
        }),
      );
    });
  });
}

/** The files npm would put in the tarball, from a dry run; nothing is written. */
async function packedFiles(): Promise<Array<{ path: string; mode: number }>> {
  const { stdout } = await step("npm pack --dry-run", "npm", ["pack", "--dry-run", "--json"], { cwd: pkgDir });
  const [report] = JSON.parse(stdout) as Array<{ files: Array<{ path: string; mode: number }> }>;
  assert.ok(report, `npm pack --dry-run --json printed no report:\n${stdout}`);
  return report.files;
}

/** The version the repo's package-lock.json pins, so the install is served by the cache npm ci filled. */
function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
  const version = lock.packages[`node_modules/${name}`]?.version;
  assert.ok(version, `${name} is not in package-lock.json`);
  return version;
}

/**
 * The environment for the tools run in the consumer project: nothing of the repo. PATH keeps the system's
 * directories and this node, but none inside the repo (make puts the repo's node_modules/.bin first); no npm
 * variable from an `npm test` that started us can steer the install, and no grpc-js tracing reaches the server.
 */
function consumerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      /^(npm_(package|lifecycle)_|npm_config_(prefix|local_prefix|global_prefix|workspaces?|include_workspace_root)$|INIT_CWD$|NODE_PATH$|GRPC_(NODE_)?(VERBOSITY|TRACE)$)/i.test(
        k,
      )
    )
      continue;
    env[k] = v;
  }
  const inRepo = (p: string) => p === root || p.startsWith(root + sep);
  const path = (process.env.PATH ?? "").split(delimiter).filter((p) => p && !inRepo(p));
  env.PATH = [dirname(process.execPath), ...path].join(delimiter);
  return env;
}

after(killAll);

describe("the @kratos-ts/kratos package", () => {
  it("packs its compiled code with types, its plugin, its CLI with the layout bundled, its protos, and no tests or sources", async () => {
    const files = await packedFiles();
    const paths = new Set(files.map((f) => f.path));
    for (const want of [
      "package.json",
      "dist/index.js",
      "dist/index.d.ts",
      "bin/protoc-gen-kratos.js",
      "bin/kratos-ts.js",
      "dist/layout.json.gz",
      "proto/google/api/annotations.proto",
      "proto/buf/validate/validate.proto",
    ]) {
      assert.ok(paths.has(want), `${want} is not in the tarball`);
    }
    assert.deepEqual(
      [...paths].filter((p) => /\.test\.[cm]?[jt]s/.test(p)),
      [],
      "test files in the tarball",
    );
    assert.deepEqual(
      [...paths].filter((p) => p.startsWith("src/")),
      [],
      "sources in the tarball",
    );

    // Every export resolves to a packed file, a types file included.
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      for (const file of typeof target === "string" ? [target] : [target.types, target.default]) {
        const rel = file.replace(/^\.\//, "");
        if (rel.includes("*")) {
          const pattern = new RegExp(
            `^${rel
              .split("*")
              .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
              .join("[^]+")}$`,
          );
          assert.ok(
            [...paths].some((p) => pattern.test(p)),
            `export ${subpath}: nothing in the tarball matches ${rel}`,
          );
        } else {
          assert.ok(paths.has(rel), `export ${subpath}: ${rel} is not in the tarball`);
        }
      }
    }
    // Every module has its declarations.
    const untyped = [...paths].filter((p) => /^dist\/.*\.js$/.test(p) && !paths.has(p.replace(/\.js$/, ".d.ts")));
    assert.deepEqual(untyped, [], "modules without a .d.ts");

    // The plugin's bin is executable, as npm links it.
    for (const bin of Object.values(pkg.bin)) {
      const entry = files.find((f) => f.path === bin.replace(/^\.\//, ""));
      assert.ok(entry, `bin ${bin} is not in the tarball`);
      assert.ok(entry.mode & 0o111, `bin ${bin} is not executable (mode ${entry.mode.toString(8)})`);
    }

    // Every package the packed code imports is a dependency or a peer dependency.
    const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)]);
    const builtins = new Set(builtinModules);
    const undeclared = new Set<string>();
    const seen = new Set<string>();
    for (const p of paths) {
      if (!/^(dist|bin)\/.*\.js$/.test(p)) continue;
      const text = readFileSync(join(pkgDir, p), "utf8");
      const statements =
        /(?:^|;)\s*(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']|(?:^|;)\s*import\s*["']([^"']+)["']|(?<![.\w$])import\(\s*["']([^"']+)["']\s*\)/gm;
      for (const m of text.matchAll(statements)) {
        const spec = (m[1] ?? m[2] ?? m[3]) as string;
        if (spec.startsWith(".") || spec.startsWith("node:") || builtins.has(spec)) continue;
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] as string);
        seen.add(name);
        if (name !== pkg.name && !declared.has(name)) undeclared.add(`${p}: ${spec}`);
      }
    }
    for (const name of ["@bufbuild/protobuf", "@bufbuild/protoplugin", "@bufbuild/protovalidate", "@grpc/grpc-js", "express", "js-yaml", "pino"]) {
      assert.ok(seen.has(name), `the import scan did not find ${name}: it misses imports`);
    }
    assert.deepEqual([...undeclared], [], "imports of packages that package.json does not declare");
  });

  it("installs from its tarball into a fresh project that generates, compiles and serves Echo over HTTP and gRPC", { timeout: 300_000 }, async (t) => {
    const packDir = mkdtempSync(join(tmpdir(), "kratos-pack-"));
    const project = mkdtempSync(join(tmpdir(), "kratos-consumer-"));
    const env = consumerEnv();
    const timings: string[] = [];
    const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const start = performance.now();
      const result = await fn();
      timings.push(`${name} ${Math.round(performance.now() - start)} ms`);
      return result;
    };
    try {
      // 1. The tarball, as npm publish would upload it.
      const tarball = await timed("pack", async () => {
        const { stdout } = await step("npm pack", "npm", ["pack", "--json", "--pack-destination", packDir], { cwd: pkgDir });
        const [report] = JSON.parse(stdout) as Array<{ filename: string }>;
        assert.ok(report, `npm pack --json printed no report:\n${stdout}`);
        return join(packDir, report.filename);
      });
      assert.ok(statSync(tarball).size > 0, `${tarball} is empty`);

      // 2. A project of its own, outside the repo, that depends on the tarball and what generated code needs.
      // protoc-gen-kratos needs protoplugin, an optional peer of the framework, so that services do not ship it.
      const devTools = ["@bufbuild/buf", "@bufbuild/protoc-gen-es", "@bufbuild/protoplugin", "typescript", "@types/node"];
      const runtime = ["@bufbuild/protobuf", "@grpc/grpc-js"];
      writeFileSync(
        join(project, "package.json"),
        `${JSON.stringify(
          {
            name: "kratos-pack-consumer",
            version: "0.0.0",
            private: true,
            type: "module",
            dependencies: {
              [pkg.name]: `file:${tarball}`,
              ...Object.fromEntries(runtime.map((n) => [n, lockedVersion(n)])),
            },
            devDependencies: Object.fromEntries(devTools.map((n) => [n, lockedVersion(n)])),
          },
          null,
          2,
        )}\n`,
      );
      cpSync(fixture, project, { recursive: true });
      mkdirSync(join(project, "proto/echo/v1"), { recursive: true });
      cpSync(join(root, "test/api/echo/v1/echo.proto"), join(project, "proto/echo/v1/echo.proto"));

      await timed("install", () => step("npm install", "npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: project, env }));
      const installed = join(project, "node_modules", pkg.name);
      assert.ok(lstatSync(installed).isDirectory(), `${installed} is a link, not the unpacked tarball`);
      assert.equal(JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).version, pkg.version);
      const plugin = realpathSync(join(project, "node_modules/.bin/protoc-gen-kratos"));
      assert.equal(plugin, join(realpathSync(installed), "bin/protoc-gen-kratos.js"), "protoc-gen-kratos is not the packed plugin");

      // 3. Generate from the protos the package ships, with the packed plugin; compile; serve; call.
      await timed("buf generate", () => step("buf generate", join(project, "node_modules/.bin/buf"), ["generate"], { cwd: project, env }));
      const generated = listFiles(join(project, "src/gen")).sort();
      assert.deepEqual(generated, ["echo/v1/echo_grpc.ts", "echo/v1/echo_http.ts", "echo/v1/echo_pb.ts"]);
      const pb = readFileSync(join(project, "src/gen/echo/v1/echo_pb.ts"), "utf8");
      assert.match(pb, /from "@kratos-ts\/kratos\/gen\/google\/api\/annotations_pb\.js"/, "echo_pb.ts does not import the package's annotations");
      assert.match(readFileSync(join(project, "src/gen/echo/v1/echo_grpc.ts"), "utf8"), /^\/\/ @generated by protoc-gen-kratos /);
      assert.match(readFileSync(join(project, "openapi.yaml"), "utf8"), /\/v1\/echo\/\{id\}:/);

      await timed("tsc", () => step("tsc", join(project, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], { cwd: project, env }));

      const server = await timed("server start", async () => {
        const server = startNode(pathToFileURL(join(project, "dist/server.js")), [], { env, cwd: pathToFileURL(`${project}/`) });
        await server.waitForMsg(/^\[HTTP\] server listening on: /);
        await server.waitForMsg(/^\[gRPC\] server listening on: /);
        return server;
      });
      const addressOf = (kind: string) => {
        const line = server.messages().find((m) => m.startsWith(`[${kind}] server listening on: `)) as string;
        return line.slice(line.lastIndexOf(" ") + 1);
      };
      const { stdout } = await timed("calls", () =>
        step("client", process.execPath, ["dist/client.js", addressOf("HTTP"), addressOf("gRPC")], { cwd: project, env }),
      );
      assert.deepEqual(JSON.parse(stdout), {
        httpGet: {
          status: 200,
          body: {
            request: { id: "7", text: "hi", numbers: [1, 2], flag: false, kind: "KIND_UNSPECIFIED", userName: "" },
            transport: "http",
            operation: "/echo.v1.Echo/Get",
          },
        },
        httpCreate: {
          status: 200,
          body: {
            request: { id: "8", text: "", numbers: [], flag: false, inner: { label: "l", count: 3 }, kind: "KIND_UNSPECIFIED", userName: "" },
            transport: "http",
            operation: "/echo.v1.Echo/Create",
            inner: { label: "l", count: 3 },
          },
        },
        httpFail: { status: 404, body: { code: 404, reason: "ECHO_NOT_FOUND", message: "no echo for gone", metadata: { mode: "gone" } } },
        grpcGet: { request: { id: "9", text: "yo" }, transport: "grpc", operation: "/echo.v1.Echo/Get" },
        grpcInternal: { request: { userName: "kratos" }, transport: "grpc", operation: "/echo.v1.Echo/Internal" },
        // 5 is NOT_FOUND; the client reads the KratosError back from the status details.
        grpcFail: { grpcCode: 5, code: 404, reason: "ECHO_NOT_FOUND", message: "no echo for gone", metadata: { mode: "gone" } },
      });

      const exit = await timed("server stop", async () => {
        server.signal("SIGTERM");
        return server.exited;
      });
      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, server.transcript());
      assert.equal(server.messages().at(-1), "stopped", server.transcript());
      assert.equal(server.stderr, "", server.transcript());
    } finally {
      t.diagnostic(timings.join(", "));
      await killAll();
      rmSync(project, { recursive: true, force: true });
      rmSync(packDir, { recursive: true, force: true });
    }
  });
});
