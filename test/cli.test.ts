// kratos-ts, the framework's CLI, run as a process in a project of its own: proto add writes a skeleton that buf
// generates as make api does, proto server a class that compiles against the generated server, and served on
// both transports it answers every RPC 501 UNIMPLEMENTED to the generated clients; neither overwrites a file.
import "reflect-metadata";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { KratosError } from "@kratos-ts/kratos/errors";
import { newLogger } from "@kratos-ts/kratos/log";
import { LogCapture } from "@kratos-ts/kratos/testing";
import { GRPCClient, GRPCServer } from "@kratos-ts/kratos/transport/grpc";
import { HTTPClient, HTTPServer } from "@kratos-ts/kratos/transport/http";
import { listFiles } from "./support/files.js";
import { repoRoot } from "./support/repo.js";

const root = repoRoot();
const bin = (name: string) => join(root, "node_modules/.bin", name);
// The framework as npm installed it: a link to packages/kratos here, the package itself in a service new from the layout.
const framework = dirname(fileURLToPath(import.meta.resolve("@kratos-ts/kratos/package.json")));

/** sh runs file with args in dir, with the repo's tools on PATH; its exit code and output. */
function sh(dir: string, file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` };
    execFile(file, args, { cwd: dir, env, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const kratos = (dir: string, ...args: string[]) => sh(dir, process.execPath, [join(framework, "bin/kratos-ts.js"), ...args]);

const PROTO = "api/blog/v1/post.proto";

describe("kratos-ts, the CLI", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kratos-cli-"));
    // A project of its own: the repo's packages, the framework's protos as a buf module, and make api's generation.
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    cpSync(join(framework, "proto"), join(dir, "framework-proto"), { recursive: true });
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    writeFileSync(join(dir, "buf.yaml"), "version: v2\nmodules:\n  - path: api\n  - path: framework-proto\n");
    const generate = readFileSync(join(root, "buf.gen.api.yaml"), "utf8");
    writeFileSync(join(dir, "buf.gen.yaml"), generate);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({ extends: join(root, "tsconfig.base.json"), compilerOptions: { rootDir: ".", outDir: "dist" }, include: ["api", "internal"] }),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("says how to use it: --help for each command, exit 2 and a pointer to --help for no command or an unknown one", async () => {
    const help = await kratos(dir, "--help");
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^kratos-ts: the toolkit of a Kratos-style TypeScript service\n/);
    for (const command of [["proto", "add"], ["proto", "server"], ["run"]]) {
      const r = await kratos(dir, ...command, "--help");
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`^Usage: kratos-ts ${command.join(" ")} `));
    }
    assert.equal((await kratos(dir)).code, 2);
    assert.deepEqual(await kratos(dir, "frob"), { code: 2, stdout: "", stderr: 'kratos-ts: unknown command "frob"\nRun kratos-ts --help for usage.\n' });
    const bad = await kratos(dir, "proto", "add", "api/Post.proto");
    assert.deepEqual(
      [bad.code, bad.stderr],
      [1, 'kratos-ts: "api/Post.proto" is not a proto path of the layout: api/<package>/v1/<name>.proto, in lower case, digits and _\n'],
    );
  });

  it("new writes the layout renamed everywhere, without the framework, its package its own, in a fresh git repository", async () => {
    // The layout's name as layout.json says it: in a service made from this one, it is that service's.
    const was = (JSON.parse(readFileSync(join(root, "layout.json"), "utf8")) as { name: string }).name;
    const kept = new RegExp(`${was}|${(was[0] as string).toUpperCase()}${was.slice(1)}|${was.toUpperCase()}`);
    const made = await kratos(dir, "new", "zebra7", "--dir", "made/zebra7", "--module", "@acme/zebra7", "--layout", root, "--skip-install");
    const to = join(dir, "made/zebra7");
    assert.deepEqual([made.code, made.stdout, made.stderr], [0, `wrote ${to}; next: cd made/zebra7 && make api NPM_INSTALL=install && make run\n`, ""]);
    const files = listFiles(to);
    for (const file of ["cmd/zebra7/main.ts", "api/zebra7/v1/greeter.proto", "internal/service/greeter.ts"])
      assert.ok(files.includes(file), `${file} is there`);
    assert.deepEqual(
      files.filter((f) => kept.test(f)),
      [],
      "no path keeps the layout's name",
    );
    assert.deepEqual(
      files.filter((f) => !f.endsWith(".png") && kept.test(readFileSync(join(to, f), "utf8"))),
      [],
      "no file keeps the layout's name, in lower, Pascal or upper case",
    );
    assert.deepEqual(
      ["packages", "buf.gen.pkg.yaml", "test/pack.test.ts"].filter((f) => existsSync(join(to, f))),
      [],
      "the framework is left out",
    );
    assert.match(readFileSync(join(to, "api/zebra7/v1/greeter.proto"), "utf8"), /^package zebra7\.v1;$/m);
    assert.equal(statSync(join(to, ".ci/run")).mode & 0o777, statSync(join(root, ".ci/run")).mode & 0o777, "a script keeps its mode");
    assert.match(readFileSync(join(to, "internal/conf/conf.ts"), "utf8"), /ZEBRA7_/);
    const pkg = JSON.parse(readFileSync(join(to, "package.json"), "utf8"));
    assert.deepEqual([pkg.name, pkg.workspaces, pkg.dependencies["@kratos-ts/kratos"]], ["@acme/zebra7", undefined, "^0.2.0"]);
    assert.equal((await sh(to, "git", ["rev-parse", "--show-toplevel"])).stdout, `${to}\n`, "a repository of its own");
    assert.ok((await sh(to, "git", ["ls-files"])).stdout.split("\n").includes("cmd/zebra7/main.ts"), "its files staged");
  });

  it("new, from the framework package alone, writes the layout bundled in it by npm pack: the same files as from the layout", async () => {
    // The package as npm installs it elsewhere: its bin and dist, its dependencies beside it, no layout above it.
    const pkg = join(dir, "installed/node_modules/@kratos-ts/kratos");
    mkdirSync(pkg, { recursive: true });
    for (const part of ["package.json", "bin", "dist"]) cpSync(join(framework, part), join(pkg, part), { recursive: true, dereference: true });
    symlinkSync(join(root, "node_modules/@bufbuild"), join(dir, "installed/node_modules/@bufbuild"));
    // What npm pack's prepack does (scripts/bundle-layout.js), into the copy.
    const { bundleLayout } = await import(pathToFileURL(join(framework, "dist/cli/layout.js")).href);
    bundleLayout(root, join(pkg, "dist/layout.json.gz"));
    const fromBundle = await sh(dir, process.execPath, [join(pkg, "bin/kratos-ts.js"), "new", "okapi", "--dir", "bundled", "--skip-install"]);
    assert.equal(fromBundle.code, 0, fromBundle.stderr);
    const fromLayout = await kratos(dir, "new", "okapi", "--dir", "checkout", "--layout", root, "--skip-install");
    assert.equal(fromLayout.code, 0, fromLayout.stderr);
    const files = listFiles(join(dir, "checkout")).sort();
    assert.deepEqual(listFiles(join(dir, "bundled")).sort(), files);
    for (const file of files) {
      const [a, b] = [join(dir, "bundled", file), join(dir, "checkout", file)];
      assert.ok(readFileSync(a).equals(readFileSync(b)), `${file} is the same`);
      assert.equal(statSync(a).mode, statSync(b).mode, `${file} keeps its mode`);
    }
    assert.ok(files.length > 100, `${files.length} files`);
  });

  it("new refuses a bad name, a bad package name, a directory that is not empty (unless --force) and a directory that is no layout", async () => {
    const refused = async (args: string[], message: string) =>
      assert.deepEqual(await kratos(dir, "new", ...args, "--skip-install"), { code: 1, stdout: "", stderr: `kratos-ts: ${message}\n` });
    await refused(
      ["Demo-1", "--layout", root],
      'invalid name "Demo-1": a service name is lower case letters and digits, starting with a letter (it names the proto package, the env prefix and the image)',
    );
    await refused(["demo", "--module", "Not A Name", "--layout", root], 'invalid --module "Not A Name": not an npm package name');
    mkdirSync(join(dir, "taken"));
    writeFileSync(join(dir, "taken/notes.txt"), "mine\n");
    await refused(["demo", "--dir", "taken", "--layout", root], `${join(dir, "taken")} exists and is not empty; pass --force to write into it`);
    assert.equal((await kratos(dir, "new", "demo", "--dir", "taken", "--layout", root, "--force", "--skip-install")).code, 0);
    assert.equal(readFileSync(join(dir, "taken/notes.txt"), "utf8"), "mine\n", "--force writes beside what is there");
    await refused(["demo", "--dir", "elsewhere", "--layout", join(dir, "taken/api")], `${join(dir, "taken/api")} is not a layout: it has no layout.json`);
    await refused(["demo", "--dir", "gone", "--layout", root, "--framework", "./gone.tgz"], `--framework ./gone.tgz: ${join(dir, "gone.tgz")} does not exist`);
    assert.equal(existsSync(join(dir, "gone")), false, "nothing is written for a framework that is not there");
  });

  it("proto add writes the CRUD skeleton with its HTTP rules, and leaves a file that exists as it is", async () => {
    const added = await kratos(dir, "proto", "add", PROTO);
    assert.deepEqual([added.code, added.stdout], [0, `wrote ${PROTO}; next: make api, then kratos-ts proto server ${PROTO}\n`]);
    const text = readFileSync(join(dir, PROTO), "utf8");
    assert.match(text, /^syntax = "proto3";\n\npackage blog\.v1;\n\nimport "google\/api\/annotations\.proto";\n\nservice Post \{\n/);
    for (const line of [
      '  rpc CreatePost (CreatePostRequest) returns (CreatePostReply) {\n    option (google.api.http) = { post: "/v1/posts" body: "*" };',
      '  rpc UpdatePost (UpdatePostRequest) returns (UpdatePostReply) {\n    option (google.api.http) = { put: "/v1/posts/{id}" body: "*" };',
      '  rpc DeletePost (DeletePostRequest) returns (DeletePostReply) {\n    option (google.api.http) = { delete: "/v1/posts/{id}" };',
      '  rpc GetPost (GetPostRequest) returns (GetPostReply) {\n    option (google.api.http) = { get: "/v1/posts/{id}" };',
      '  rpc ListPost (ListPostRequest) returns (ListPostReply) {\n    option (google.api.http) = { get: "/v1/posts" };',
    ]) {
      assert.ok(text.includes(line), `the skeleton has ${line}`);
    }
    writeFileSync(join(dir, PROTO), `${text}// mine\n`);
    const again = await kratos(dir, "proto", "add", PROTO);
    assert.deepEqual([again.code, again.stderr], [1, `kratos-ts: ${PROTO} already exists; it is left as it is\n`]);
    assert.equal(readFileSync(join(dir, PROTO), "utf8"), `${text}// mine\n`);
  });

  it("proto server writes a class of the generated server that compiles, and served, answers every RPC 501 UNIMPLEMENTED", async () => {
    const generated = await sh(dir, bin("buf"), ["generate"]);
    assert.equal(generated.code, 0, generated.stderr);
    const wrote = await kratos(dir, "proto", "server", PROTO);
    assert.deepEqual([wrote.code, wrote.stdout], [0, "wrote internal/service/post.ts\n"]);
    const source = readFileSync(join(dir, "internal/service/post.ts"), "utf8");
    assert.ok(source.includes('import type { PostServer } from "../../api/blog/v1/post_grpc.js";'), source);
    assert.ok(source.includes("export class PostService implements PostServer {"), source);
    assert.ok(source.includes('throw newError(501, "UNIMPLEMENTED", "method GetPost not implemented");'), source);
    const again = await kratos(dir, "proto", "server", PROTO);
    assert.deepEqual([again.code, again.stderr], [1, "kratos-ts: internal/service/post.ts already exists; it is left as it is\n"]);

    // The layout's formatter and linter pass it as written: its config without the repo's VCS settings.
    const { $schema: _, vcs: __, ...biome } = JSON.parse(readFileSync(join(root, "biome.json"), "utf8"));
    writeFileSync(join(dir, "biome.json"), JSON.stringify(biome));
    const checked = await sh(dir, bin("biome"), ["check", "internal"]);
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    const compiled = await sh(dir, bin("tsc"), ["-p", "tsconfig.json"]);
    assert.equal(compiled.code, 0, compiled.stdout);
    const load = (path: string) => import(pathToFileURL(join(dir, "dist", path)).href);
    const { PostService } = await load("internal/service/post.js");
    const grpcAPI = await load("api/blog/v1/post_grpc.js");
    const httpAPI = await load("api/blog/v1/post_http.js");
    const logger = newLogger({ id: "t", name: "cli", version: "t", destination: new LogCapture() });
    const http = new HTTPServer({ address: "127.0.0.1:0", timeout: 1000, logger });
    const grpc = new GRPCServer({ address: "127.0.0.1:0", timeout: 1000, logger });
    httpAPI.registerPostHTTPServer(http, new PostService());
    grpcAPI.registerPostServer(grpc, new PostService());
    await Promise.all([http.start(), grpc.start()]);
    const cc = new GRPCClient({ endpoint: grpc.address });
    try {
      const clients = [httpAPI.newPostHTTPClient(new HTTPClient({ endpoint: `http://${http.address}` })), grpcAPI.newPostGRPCClient(cc)];
      for (const client of clients) {
        for (const method of ["createPost", "updatePost", "deletePost", "getPost", "listPost"]) {
          const err = await client[method]({ id: 1n }).then(
            () => assert.fail(`${method} succeeded`),
            (e: unknown) => e,
          );
          assert.ok(err instanceof KratosError);
          const rpc = method[0]?.toUpperCase() + method.slice(1);
          assert.deepEqual([err.code, err.reason, err.message], [501, "UNIMPLEMENTED", `method ${rpc} not implemented`]);
        }
      }
    } finally {
      cc.close();
      const force = new AbortController();
      await Promise.all([http.stop(force.signal), grpc.stop(force.signal)]);
    }
  });
});
