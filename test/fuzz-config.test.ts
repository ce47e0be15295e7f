import "reflect-metadata";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { ConfigError, loadConfig } from "@kratos-ts/kratos/config";
import { messageOf } from "@kratos-ts/kratos/errors";
import { newLogger } from "@kratos-ts/kratos/log";
import { LogCapture } from "@kratos-ts/kratos/testing";
import fc from "fast-check";
import { dump, load } from "js-yaml";
import { wireApp } from "../cmd/helloworld/wire.js";
import { Bootstrap, ENV_PREFIX, secretInFile } from "../internal/conf/conf.js";
import { Failures, tally } from "./support/fuzz.js";
import { type ChildProc, childEnv, killAll, startNode } from "./support/process.js";
import { repoRoot } from "./support/repo.js";

// Seeded fuzzing of the config files main reads: any failure names the seed and the case's index, which
// regenerate the same file.
const SEED = 0x15eed;
const CONFIGS = 1000;
// Loading is synchronous; a load slower than this is as good as a hang.
const LOAD_WITHIN_MS = 2000;
// The binary has this long to exit on a bad config, or to start on a good one.
const EXIT_WITHIN_MS = 10_000;

const root = repoRoot();
const mainJs = new URL("../cmd/helloworld/main.js", import.meta.url);
type Tree = Record<string, unknown>;
const base = load(readFileSync(join(root, "configs", "config.yaml"), "utf8")) as Tree;

/** leafPaths lists the key paths to every value of a tree that is not itself a mapping. */
function leafPaths(tree: Tree, prefix: string[] = []): string[][] {
  return Object.entries(tree).flatMap(([k, v]) => (isTree(v) ? leafPaths(v, [...prefix, k]) : [[...prefix, k]]));
}

function sectionPaths(tree: Tree, prefix: string[] = []): string[][] {
  return Object.entries(tree).flatMap(([k, v]) => (isTree(v) ? [[...prefix, k], ...sectionPaths(v, [...prefix, k])] : []));
}

function isTree(v: unknown): v is Tree {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// Every key the schema has today, read off its defaults, so keys added later are fuzzed too.
const defaults = Bootstrap.parse({}) as Tree;
const keyPaths = leafPaths(defaults);
const sections = sectionPaths(defaults);

// ---- generators ----

const units = ["ns", "us", "µs", "ms", "s", "m", "h"];
const durationValue = fc.oneof(
  fc.constantFrom(
    "1s",
    "0",
    "0s",
    "-1s",
    "596h",
    "597h",
    "1e9h",
    "9223372036854775807ns",
    "9223372036854775808ns",
    "1.5ms",
    "1500us",
    "1ns",
    "999us",
    ".5s",
    "1.s",
    "1h1m1s1ms1us1ns",
    "1",
    "1x",
    "",
    "s",
    "1 s",
    " 1s",
    "+1s",
  ),
  fc.tuple(fc.nat(1_000_000), fc.constantFrom(...units)).map(([n, u]) => `${n}${u}`),
  fc.tuple(fc.nat(1000), fc.nat(999_999), fc.constantFrom(...units)).map(([whole, frac, u]) => `${whole}.${frac}${u}`),
);
const host = fc.constantFrom("0.0.0.0", "127.0.0.1", "localhost", "", "[::]", "[::1]", "example.invalid", "999.1.1.1", "h o", "h\nx", "[zz]", "[]");
const port = fc.oneof(fc.integer({ min: -10, max: 70_000 }), fc.constantFrom(99999, -1, 65535, 65536, 0, 1e21, "08000", "", "80.5", "0x50", "1e3", " 80"));
const addressValue = fc.oneof(
  fc.tuple(host, port).map(([h, p]) => `${h}:${p}`),
  fc.constantFrom(":", "8000", ":8000", "[::1", "::1:80", "localhost", "a:b:c", "127.0.0.1:"),
);
const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
);
const word = fc.constantFrom(
  "sqlite",
  "postgres",
  "mysql",
  "SQLITE",
  "info",
  "debug",
  "silent",
  "INFO",
  "json",
  "pretty",
  "auto",
  "tcp",
  "udp",
  "true",
  "false",
  "yes",
  "on",
  "/metrics",
  "metrics",
  "/{x}",
  "http://collector:4318",
  "collector:4318",
  ":memory:",
);
const numberValue = fc.constantFrom(
  0,
  -1,
  1,
  1023,
  1024,
  1025,
  16384,
  16385,
  4194304,
  64 * 1024 * 1024,
  64 * 1024 * 1024 + 1,
  2 ** 31,
  2 ** 53,
  1e308,
  0.5,
  -0,
);
const longString = fc.tuple(fc.integer({ min: 1000, max: 200_000 }), fc.constantFrom("x", "é", "\u0000", " ")).map(([n, c]) => c.repeat(n));
const deepValue = fc.tuple(fc.integer({ min: 2, max: 400 }), fc.boolean()).map(([depth, seq]) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = seq ? [v] : { k: v };
  return v;
});
const value = fc.oneof(
  { weight: 3, arbitrary: durationValue },
  { weight: 3, arbitrary: addressValue },
  { weight: 3, arbitrary: wrongType },
  { weight: 2, arbitrary: word },
  { weight: 2, arbitrary: numberValue },
  { weight: 1, arbitrary: longString },
  { weight: 1, arbitrary: deepValue },
);
const newKey = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.constantFrom("__proto__", "constructor", "prototype", "", "a.b", "with space", "<<", "~", "null", "true", "1", "-", "adress", "HTTP"),
  fc.constantFrom("line\nbreak", "carriage\rreturn", "tab\there", "\u001b[31mred", "\u2028"),
);

type Mutation = { op: "set"; path: string[]; value: unknown } | { op: "delete"; path: string[] };

const addressKeys = keyPaths.filter((p) => p[p.length - 1] === "addr");
const durationKeys = keyPaths.filter((p) => /timeout$|_time$/.test(p[p.length - 1] as string));

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...keyPaths), value).map(([path, v]): Mutation => ({ op: "set", path, value: v })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...addressKeys), addressValue).map(([path, v]): Mutation => ({ op: "set", path, value: v })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...durationKeys), durationValue).map(([path, v]): Mutation => ({ op: "set", path, value: v })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...sections), value).map(([path, v]): Mutation => ({ op: "set", path, value: v })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom([], ...sections), fc.array(newKey, { minLength: 1, maxLength: 3 }), value)
      .map(([at, keys, v]): Mutation => ({ op: "set", path: [...at, ...keys], value: v })),
  },
  { weight: 2, arbitrary: fc.constantFrom(...keyPaths, ...sections).map((path): Mutation => ({ op: "delete", path })) },
);

/** own sets a key as an own property, even __proto__, as a YAML or JSON parser would. */
function own(tree: Tree, key: string, v: unknown): void {
  Object.defineProperty(tree, key, { value: v, enumerable: true, writable: true, configurable: true });
}

function mutate(tree: Tree, m: Mutation): void {
  let node = tree;
  for (const key of m.path.slice(0, -1)) {
    const child = Object.hasOwn(node, key) ? node[key] : undefined;
    if (!isTree(child)) {
      if (m.op === "delete") return;
      own(node, key, {});
    }
    node = node[key] as Tree;
  }
  const last = m.path[m.path.length - 1] as string;
  if (m.op === "delete") delete node[last];
  else own(node, last, m.value);
}

// Text-level damage, after the tree is written: broken syntax, garbage, and the odd shapes of a file.
const yamlNoise = fc.constantFrom(":", "-", "[", "]", "{", "}", '"', "'", "\t", "&", "*", "!", "%", "@", "`", "|", ">", "#", "\n", " ", "? ", "---", "\\", ",");
const mapBomb = [
  "a: &a {k0: 1, k1: 1, k2: 1, k3: 1, k4: 1, k5: 1, k6: 1, k7: 1, k8: 1, k9: 1}",
  "b: &b {k0: *a, k1: *a, k2: *a, k3: *a, k4: *a, k5: *a, k6: *a, k7: *a, k8: *a, k9: *a}",
  "c: &c {k0: *b, k1: *b, k2: *b, k3: *b, k4: *b, k5: *b, k6: *b, k7: *b, k8: *b, k9: *b}",
  "d: &d {k0: *c, k1: *c, k2: *c, k3: *c, k4: *c, k5: *c, k6: *c, k7: *c, k8: *c, k9: *c}",
  "e: &e {k0: *d, k1: *d, k2: *d, k3: *d, k4: *d, k5: *d, k6: *d, k7: *d, k8: *d, k9: *d}",
  "f: {k0: *e, k1: *e}",
].join("\n");
type Damage = (text: string) => string | Buffer;
const damage: fc.Arbitrary<Damage> = fc.oneof(
  { weight: 12, arbitrary: fc.constant((t: string) => t) },
  {
    weight: 3,
    arbitrary: fc.array(fc.tuple(fc.nat(), yamlNoise), { minLength: 1, maxLength: 4 }).map((edits) => (t: string) => {
      let out = t;
      for (const [at, noise] of edits) {
        const i = at % (out.length + 1);
        out = out.slice(0, i) + noise + out.slice(i);
      }
      return out;
    }),
  },
  { weight: 1, arbitrary: fc.nat().map((at) => (t: string) => t.slice(0, at % (t.length + 1))) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.nat(), fc.integer({ min: -2, max: 3 })).map(([line, shift]) => (t: string) => {
      const lines = t.split("\n");
      const i = line % lines.length;
      lines[i] = shift < 0 ? (lines[i] as string).slice(-shift) : " ".repeat(shift) + lines[i];
      return lines.join("\n");
    }),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => () => Buffer.from(b)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Damage>(
      () => "",
      () => "\n\n",
      () => "# nothing but a comment\n",
      () => "~\n",
      () => "[]\n",
      () => "just a string\n",
      () => "42\n",
      (t) => `\ufeff${t}`,
      (t) => `${t}\n---\nlog: {level: debug}\n`,
      (t) => t.replace(/^( +)/gm, (s) => "\t".repeat(s.length / 2)),
      (t) => `${t}\n${mapBomb}\n`,
      (t) => `${t}\ncycle: &c {self: *c}\n`,
      (t) => `${t}\nx: !!binary aGVsbG8=\n`,
      (t) => `${t}\n<<: {server: {}}\n`,
      () => Array.from({ length: 100_100 }, (_, i) => `k${i}: 1`).join("\n"),
      () => `${"[".repeat(10_000)}\n`,
    ),
  },
);

interface ConfigCase {
  ext: ".yaml" | ".yml" | ".json";
  bytes: string | Buffer;
  /** What was done to the default config, for failure messages. */
  how: string;
}

const configCase: fc.Arbitrary<ConfigCase> = fc
  .tuple(fc.array(mutation, { minLength: 0, maxLength: 4 }), fc.constantFrom(".yaml", ".yaml", ".yml", ".json", ".json"), damage)
  .map(([mutations, ext, harm]) => {
    const tree = structuredClone(base);
    for (const m of mutations) mutate(tree, m);
    const text = ext === ".json" ? JSON.stringify(tree, null, 2) : dump(tree, { lineWidth: -1, skipInvalid: true });
    const bytes = harm(text);
    const how = mutations.map((m) => (m.op === "delete" ? `delete ${m.path.join(".")}` : `set ${m.path.join(".")}=${short(m.value)}`)).join(", ");
    return { ext, bytes, how: how || "no key changed" };
  });

function short(v: unknown): string {
  const s = typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  return s.length > 60 ? `${s.slice(0, 60)}…(${s.length})` : s;
}

// ---- checks ----

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * errorProblem says what is wrong with the error a bad config got, if anything: it must be a ConfigError of
 * one line, "config: <file>: <why>" or "config: <key> (<file>): <why>", with no stack.
 */
function errorProblem(err: unknown, file: string): string | undefined {
  const msg = messageOf(err);
  if (!(err instanceof ConfigError)) return `a ${(err as Error)?.constructor?.name ?? typeof err} rather than a ConfigError`;
  if (/[\r\n]/.test(msg)) return "a message of several lines";
  // The line goes to a terminal or a log: an escape or other control character there is not text.
  if (/[\p{Cc}]/u.test(msg.replace(/\t/g, ""))) return "a control character in the message";
  if (/\bat .*:\d+:\d+/.test(msg)) return "a stack frame in the message";
  const f = escapeRegExp(file);
  // Several problems are joined by "; ": a problem with an empty key path names no file.
  if (/(^config: |; ): /.test(msg)) return "a problem with an empty key and no file";
  if (new RegExp(`^config: ${f}: \\S`, "s").test(msg)) return undefined;
  if (new RegExp(`^config: \\S.*? \\(${f}\\): \\S`, "s").test(msg)) return undefined;
  return "a message that does not name the file and the key";
}

/** addressProblem checks an address the config accepted: host:port, [v6]:port or :port, the port from 0 to 65535, a host with no space or control character. */
function addressProblem(key: string, addr: unknown): string | undefined {
  const m = typeof addr === "string" ? /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d+)$/.exec(addr) : null;
  if (!m) return `${key} ${JSON.stringify(addr)} accepted, which is no host:port`;
  if (Number(m[3]) > 65535) return `${key} ${JSON.stringify(addr)} accepted with a port out of range`;
  // getaddrinfo gets the host as it is, and the listen error message prints it.
  if (/[\s\p{Cc}]/u.test(m[1] ?? m[2] ?? "")) return `${key} ${JSON.stringify(addr)} accepted with a space or control character in its host`;
  return undefined;
}

function addresses(tree: Tree, prefix = ""): Array<[string, unknown]> {
  return Object.entries(tree).flatMap(([k, v]): Array<[string, unknown]> => {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isTree(v)) return addresses(v, key);
    return k === "addr" ? [[key, v]] : [];
  });
}

/**
 * servesProblem starts the app from an accepted config, as main does, with only the listen addresses and the
 * database made local (the fuzzed ones may be busy ports or remote hosts), and stops it; it resolves with
 * why it could not, or undefined.
 */
async function servesProblem(bc: Bootstrap): Promise<string | undefined> {
  const local = structuredClone(bc);
  local.server.http.addr = "127.0.0.1:0";
  local.server.grpc.addr = "127.0.0.1:0";
  local.data.database = { driver: "sqlite", source: ":memory:", password: "", password_file: "" };
  // An endpoint would make the stop wait for a collector that is not there.
  local.trace.endpoint = "";
  const logger = newLogger({ id: "fuzz", name: "helloworld", version: "test", destination: new LogCapture() });
  let done: Promise<void> | undefined;
  try {
    const { app, cleanup } = wireApp(local, logger);
    done = app.run().finally(cleanup);
    await app.started;
    app.stop();
    await done;
    return undefined;
  } catch (err) {
    await done?.catch(() => {});
    return `an accepted config the app cannot start with: ${messageOf(err)}`;
  }
}

/** load reads a config through main's code path: the loader and the Bootstrap schema, with no environment. */
function loadAsMain(path: string): Bootstrap {
  return loadConfig(path, { schema: Bootstrap, envPrefix: ENV_PREFIX, env: {}, refuseInFile: secretInFile });
}

describe("config fuzzing: mutated config files through the loader main uses", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "helloworld-fuzz-config-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(`gives each of ${CONFIGS} mutated configs a servable config or a one-line error naming the file and the key (seed ${SEED})`, {
    timeout: 120_000,
  }, async (t) => {
    const all = fc.sample(configCase, { seed: SEED, numRuns: CONFIGS });
    const failures = new Failures();
    let failed = 0;
    let accepted = 0;
    const refusedBy = new Map<string, number>();
    const started = performance.now();
    for (const [i, c] of all.entries()) {
      const file = join(dir, `case-${i}${c.ext}`);
      writeFileSync(file, c.bytes);
      const loadStart = performance.now();
      let bc: Bootstrap | undefined;
      let err: unknown;
      try {
        bc = loadAsMain(file);
      } catch (e) {
        err = e;
      }
      const ms = performance.now() - loadStart;
      const found: string[] = [];
      if (ms > LOAD_WITHIN_MS) found.push(`loading took ${ms.toFixed(0)} ms`);
      if (bc) {
        accepted++;
        for (const [key, addr] of addresses(bc as unknown as Tree)) {
          const problem = addressProblem(key, addr);
          if (problem) found.push(problem);
        }
        if (found.length === 0) {
          const problem = await servesProblem(bc);
          if (problem) found.push(problem);
        }
      } else {
        const problem = errorProblem(err, file);
        if (problem) found.push(problem);
        const why = messageOf(err)
          .replace(`${file}`, "FILE")
          .replace(/^config: (?:FILE: )?/, "")
          .replace(/ \(FILE\)/, "")
          .split(":")[0] as string;
        tally(refusedBy, why.slice(0, 40));
      }
      if (found.length === 0) continue;
      failed++;
      for (const problem of found) {
        // One group per kind of problem, whatever the value that showed it.
        const what = problem.replace(/".*"/, '"…"').replace(/Received .*$/, "Received …");
        failures.add(what, () => {
          const shown = typeof c.bytes === "string" ? JSON.stringify(c.bytes.slice(0, 200)) : `<${c.bytes.length} bytes>`;
          return `case #${i} (${c.ext}; ${c.how}): ${shown}\n      ${err ? JSON.stringify(messageOf(err).slice(0, 300)) : problem}`;
        });
      }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    t.diagnostic(`seed ${SEED}: ${CONFIGS} configs in ${seconds} s: ${accepted} accepted, ${CONFIGS - accepted} refused`);
    t.diagnostic(`refused by (first words of the reason): ${JSON.stringify(Object.fromEntries([...refusedBy].sort(([, a], [, b]) => b - a).slice(0, 15)))}`);
    assert.equal(failed, 0, `seed ${SEED}: ${failed} of ${CONFIGS} configs went wrong (case # indexes the seeded sample):\n${failures.report()}`);
  });
});

describe("config fuzzing: the binary on bad configs and odd paths exits 1 with one clean stderr line", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "helloworld-fuzz-binary-"));
  });
  afterEach(killAll);
  after(async () => {
    await killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  // Keys no case is about: a config the loader wrongly accepts must not open the repo's data/helloworld.db.
  const binaryEnv = { HELLOWORLD_DATA_DATABASE_SOURCE: ":memory:", HELLOWORLD_LOG_FORMAT: "json" };

  /** run starts the binary on conf with no HELLOWORLD_* variables; it is killed if it has not exited in time. */
  async function run(conf: string): Promise<{ proc: ChildProc; code: number | null; timedOut: boolean }> {
    const proc = startNode(mainJs, ["-conf", conf], { env: childEnv(binaryEnv), cwd: pathToFileURL(`${root}/`) });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      proc.exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), EXIT_WITHIN_MS);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) await proc.kill();
    const exit = await proc.exited;
    return { proc, code: exit.code, timedOut };
  }

  /** A path in a fresh directory of its own. */
  function fresh(name: string): { sub: string; path: string } {
    const sub = mkdtempSync(join(dir, "case-"));
    return { sub, path: join(sub, name) };
  }

  const badFiles: Array<{ name: string; conf: () => string }> = [
    {
      name: "a named pipe given as the config",
      conf: () => {
        const { path } = fresh("pipe.yaml");
        execFileSync("mkfifo", [path]);
        return path;
      },
    },
    {
      name: "a directory whose only config file is a named pipe",
      conf: () => {
        const { sub, path } = fresh("config.yaml");
        execFileSync("mkfifo", [path]);
        return sub;
      },
    },
    { name: "an empty directory", conf: () => fresh("unused").sub },
    {
      name: "a directory holding a dangling symlink named config.yaml",
      conf: () => {
        const { sub, path } = fresh("config.yaml");
        symlinkSync(join(sub, "missing.yaml"), path);
        return sub;
      },
    },
    {
      name: "binary garbage",
      conf: () => write("config.yaml", Buffer.from(fc.sample(fc.uint8Array({ minLength: 64, maxLength: 256 }), { seed: SEED, numRuns: 1 })[0] as Uint8Array)),
    },
    { name: "YAML nested 10,000 deep", conf: () => write("config.yaml", "[".repeat(10_000)) },
    { name: "a 100,000-character address", conf: () => write("config.yaml", `server:\n  http:\n    addr: ${"x".repeat(100_000)}:99999\n`) },
    { name: "a port out of range", conf: () => write("config.yaml", "server:\n  grpc:\n    addr: 127.0.0.1:99999\n") },
    { name: "an empty top-level key", conf: () => write("config.yaml", '"": 1\n') },
    { name: "an unknown key with a line break in it", conf: () => write("config.yaml", 'server:\n  "ht\\ntp": {}\n') },
    {
      name: "an address whose host holds a line break",
      conf: () => write("config.yaml", 'server:\n  http:\n    addr: "bad\\nhost:0"\n  grpc:\n    addr: 127.0.0.1:0\n'),
    },
  ];

  function write(name: string, bytes: string | Buffer): string {
    const { path } = fresh(name);
    writeFileSync(path, bytes);
    return path;
  }

  for (const c of badFiles) {
    it(`${c.name}: exit 1, and the loader's one line on stderr`, { timeout: 30_000 }, async () => {
      const conf = c.conf();
      const { proc, code, timedOut } = await run(conf);
      assert.equal(timedOut, false, `still running after ${EXIT_WITHIN_MS} ms\n${proc.transcript()}`);
      assert.doesNotMatch(proc.stderr, /^\s+at /m, "no stack frames");
      assert.equal(proc.stderrLines().length, 1, `exactly one stderr line\n${proc.stderr.slice(0, 2000)}`);
      const line = proc.stderrLines()[0] as string;
      assert.match(line, /^helloworld: config: /, "a config error, in the loader's words");
      assert.ok(line.includes(conf), `the line names ${conf}: ${line.slice(0, 500)}`);
      assert.equal(code, 1);
      // Nothing logged: a bad config stops the binary before it starts anything.
      assert.equal(proc.stdout, "");
    });
  }

  it("durations under a millisecond: refused with the loader's one line, or accepted and served", { timeout: 30_000 }, async () => {
    const yaml = [
      "server:",
      "  http:",
      "    addr: 127.0.0.1:0",
      "    read_timeout: 1500us",
      "    idle_timeout: 2.5ms",
      "  grpc:",
      "    addr: 127.0.0.1:0",
      "data:",
      "  database:",
      "    source: ':memory:'",
      "log:",
      "  format: json",
      "",
    ].join("\n");
    const file = write("config.yaml", yaml);
    let refused: string | undefined;
    try {
      loadAsMain(file);
    } catch (err) {
      refused = messageOf(err);
    }
    if (refused !== undefined) {
      const { proc, code } = await run(file);
      assert.deepEqual({ code, stderr: proc.stderrLines() }, { code: 1, stderr: [`helloworld: ${refused}`] });
      return;
    }
    // The loader accepts it, so the binary must run with it.
    const proc = startNode(mainJs, ["-conf", file], { env: childEnv({}), cwd: pathToFileURL(`${root}/`) });
    const listening = proc.waitForMsg(/^\[HTTP\] server listening on: /);
    const outcome = await Promise.race([
      listening.then(() => "listening"),
      proc.exited.then(() => "exited"),
      new Promise<string>((resolve) => setTimeout(() => resolve("neither"), EXIT_WITHIN_MS).unref()),
    ]);
    assert.equal(outcome, "listening", `the binary did not start\n${proc.transcript()}`);
    proc.signal("SIGTERM");
    const exit = await proc.exited;
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, proc.transcript());
  });
});
