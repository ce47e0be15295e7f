import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { Worker } from "node:worker_threads";
import { ConfigError, loadConfig } from "@kratos-ts/kratos/config";
import { parseError } from "../../test/support/json.js";
import { repoRoot } from "../../test/support/repo.js";
import { Bootstrap, ENV_PREFIX, secretInFile } from "./conf.js";

/** tempDir makes a fresh directory holding files (name → text), removed when the test ends. */
function tempDir(t: TestContext, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "conf-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** load reads path as main does, with the app's schema; env is always explicit, never process.env. */
function load(path: string, env: Record<string, string> = {}): Bootstrap {
  return loadConfig(path, { schema: Bootstrap, envPrefix: ENV_PREFIX, env, refuseInFile: secretInFile });
}

/** refuses asserts that load throws a ConfigError whose message is exactly message. */
function refuses(path: string, message: string, env: Record<string, string> = {}): void {
  assert.throws(
    () => load(path, env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `want a ConfigError, got ${String(err)}`);
      assert.equal(err.name, "ConfigError");
      assert.equal(err.message, message);
      return true;
    },
  );
}

const defaults: Bootstrap = {
  server: {
    http: {
      network: "tcp",
      addr: "0.0.0.0:8000",
      timeout: 1000,
      read_header_timeout: 10_000,
      read_timeout: 30_000,
      idle_timeout: 5_000,
      max_header_bytes: 16384,
      max_body_bytes: 1048576,
      metrics_path: "/metrics",
    },
    grpc: {
      network: "tcp",
      addr: "0.0.0.0:9000",
      timeout: 1000,
      max_recv_msg_size: 4194304,
      max_concurrent_streams: 1000,
      connection_timeout: 20_000,
      keepalive_min_time: 300_000,
      keepalive_permit_without_stream: false,
    },
    ratelimit: { enabled: true, threshold: 0.8, max_turn: 5 },
  },
  data: {
    database: { driver: "sqlite", source: "data/helloworld.db", password: "", password_file: "" },
    redis: { network: "tcp", addr: "127.0.0.1:6379", read_timeout: 200, write_timeout: 200 },
  },
  app: { stop_timeout: 10_000 },
  log: { level: "info", format: "auto", caller: false, access: true },
  trace: { enabled: true, endpoint: "" },
};

const levels = '"trace"|"debug"|"info"|"warn"|"error"|"fatal"|"silent"';

describe("loadConfig with the app's Bootstrap schema", () => {
  describe("files and directories", () => {
    it("loads the repo's configs directory", () => {
      assert.deepEqual(load(join(repoRoot(), "configs")), {
        ...defaults,
        data: {
          database: { driver: "sqlite", source: "data/helloworld.db", password: "", password_file: "" },
          redis: { network: "tcp", addr: "127.0.0.1:6379", read_timeout: 200, write_timeout: 200 },
        },
      });
    });

    it("fills in defaults for absent keys (an empty mapping)", (t) => {
      assert.deepEqual(load(tempDir(t, { "config.yaml": "{}\n" })), defaults);
    });

    it("fills in defaults for an empty JSON object", (t) => {
      assert.deepEqual(load(tempDir(t, { "config.json": "{}" })), defaults);
    });

    it("merges a.yaml, b.yml and c.json in name order, later files winning, and skips non-config files", (t) => {
      const dir = tempDir(t, {
        "c.json": '{"log": {"level": "warn", "caller": true}}',
        "b.yml": "server:\n  http:\n    addr: b:2\n",
        "a.yaml": "server:\n  http:\n    addr: a:1\n    timeout: 2s\nlog:\n  level: debug\n",
        "README.md": "not: [valid",
        "config.yaml~": "not: [valid",
        ".hidden.yaml": "unknown_key: 1\n",
      });
      mkdirSync(join(dir, "sub.yaml")); // a directory with a config-like name is not a file
      assert.deepEqual(load(dir), {
        ...defaults,
        server: { ...defaults.server, http: { ...defaults.server.http, addr: "b:2", timeout: 2000 } },
        log: { level: "warn", format: "auto", caller: true, access: true },
      });
    });

    it("loads a single file path", (t) => {
      const dir = tempDir(t, { "one.yaml": "log:\n  format: json\n", "other.yaml": "log:\n  format: pretty\n" });
      assert.deepEqual(load(join(dir, "one.yaml")), { ...defaults, log: { ...defaults.log, format: "json" } });
    });

    it("loads a single file path even when it is hidden", (t) => {
      const dir = tempDir(t, { ".hidden.json": '{"app": {"stop_timeout": "3s"}}' });
      assert.deepEqual(load(join(dir, ".hidden.json")), { ...defaults, app: { stop_timeout: 3000 } });
    });

    it("refuses a file with an unsupported extension", (t) => {
      const file = join(tempDir(t, { "config.toml": "a = 1\n" }), "config.toml");
      refuses(file, `config: ${file}: unsupported format (want .yaml, .yml or .json)`);
    });

    it("refuses a directory with no config files", (t) => {
      const dir = tempDir(t, { "README.md": "# nothing\n", ".hidden.yaml": "{}\n" });
      refuses(dir, `config: ${dir}: no .yaml, .yml or .json files in the directory`);
    });

    it("refuses an empty directory", (t) => {
      const dir = tempDir(t);
      refuses(dir, `config: ${dir}: no .yaml, .yml or .json files in the directory`);
    });

    it("refuses a missing path", (t) => {
      const dir = tempDir(t);
      refuses(join(dir, "nope"), `config: cannot read ${join(dir, "nope")}: no such file or directory`);
      refuses(join(dir, "nope.yaml"), `config: cannot read ${join(dir, "nope.yaml")}: no such file or directory`);
    });

    it("refuses a top-level list", (t) => {
      const dir = tempDir(t, { "config.yaml": "- a\n- b\n" });
      refuses(dir, `config: ${join(dir, "config.yaml")}: the top level must be a mapping of keys`);
      const dir2 = tempDir(t, { "config.json": "[1]" });
      refuses(dir2, `config: ${join(dir2, "config.json")}: the top level must be a mapping of keys`);
    });

    it("refuses a top-level scalar", (t) => {
      const dir = tempDir(t, { "config.yaml": "hello\n" });
      refuses(dir, `config: ${join(dir, "config.yaml")}: the top level must be a mapping of keys`);
    });

    it("treats a YAML file of only comments as empty", (t) => {
      assert.deepEqual(load(tempDir(t, { "config.yaml": "# nothing here\n# yet\n" })), defaults);
    });

    it("treats an empty YAML file as empty", (t) => {
      assert.deepEqual(load(tempDir(t, { "config.yaml": "" })), defaults);
    });

    it("treats a YAML file that is just null (~) as empty", (t) => {
      assert.deepEqual(load(tempDir(t, { "config.yaml": "~\n" })), defaults);
    });

    it("refuses a YAML file with two documents", (t) => {
      const dir = tempDir(t, { "config.yaml": "log: {level: debug}\n---\nlog: {level: warn}\n" });
      refuses(dir, `config: ${join(dir, "config.yaml")}: holds 2 YAML documents; want one`);
    });

    it("refuses a duplicated YAML key with its position", (t) => {
      const file = join(tempDir(t, { "config.yaml": "log:\n  level: info\nlog:\n  level: debug\n" }), "config.yaml");
      refuses(file, `config: ${file}: duplicated mapping key at line 3, column 1`);
    });

    it("refuses malformed JSON naming the file", (t) => {
      const file = join(tempDir(t, { "config.json": "{" }), "config.json");
      refuses(file, `config: ${file}: ${parseError("{")}`);
    });
  });

  describe("schema problems", () => {
    it("refuses an unknown nested key naming its path and file", (t) => {
      const file = join(tempDir(t, { "config.yaml": "server:\n  http:\n    adr: 0.0.0.0:1\n" }), "config.yaml");
      refuses(file, `config: server.http.adr (${file}): unknown key`);
    });

    it("refuses an unknown top-level key naming it and the file", (t) => {
      const file = join(tempDir(t, { "config.yaml": "serverx: 1\n" }), "config.yaml");
      refuses(file, `config: serverx (${file}): unknown key`);
    });

    it("names the file that brought the unknown key when several files merge", (t) => {
      const dir = tempDir(t, { "a.yaml": "log:\n  level: debug\n", "b.json": '{"log": {"colour": true}}' });
      refuses(dir, `config: log.colour (${join(dir, "b.json")}): unknown key`);
    });

    it("refuses a wrong type naming its path and file", (t) => {
      const file = join(tempDir(t, { "config.yaml": "server:\n  http:\n    addr: 8000\n" }), "config.yaml");
      refuses(file, `config: server.http.addr (${file}): expected string, received number`);
    });

    it("refuses a metrics_path that is not a literal path, and takes an empty one (no metrics)", (t) => {
      const file = join(tempDir(t, { "config.yaml": "server:\n  http:\n    metrics_path: metrics\n" }), "config.yaml");
      refuses(file, `config: server.http.metrics_path (${file}): a literal path starting with "/", or "" for none`);
      assert.equal(load(tempDir(t, { "config.yaml": "server:\n  http:\n    metrics_path: ''\n" })).server.http.metrics_path, "");
    });

    it("refuses a YAML 1.1 yes/no for a boolean (core schema reads it as a string)", (t) => {
      const file = join(tempDir(t, { "config.yaml": "log:\n  caller: yes\n" }), "config.yaml");
      refuses(file, `config: log.caller (${file}): expected boolean, received string`);
    });

    it("treats an empty section (null) as absent, so its defaults apply", (t) => {
      assert.deepEqual(load(tempDir(t, { "config.yaml": "server:\nlog:\n  level:\n" })), defaults);
    });

    it("reports several problems together on one line, separated by '; '", (t) => {
      const file = join(tempDir(t, { "config.yaml": "server:\n  http:\n    addr: 8000\n    timeout: 5\nfoo: 1\nlog:\n  level: loud\n" }), "config.yaml");
      refuses(
        file,
        `config: server.http.addr (${file}): expected string, received number; ` +
          `server.http.timeout (${file}): invalid duration 5: want a Go duration such as 1s, 500ms or 1m30s; ` +
          `log.level (${file}): expected one of ${levels}; ` +
          `foo (${file}): unknown key`,
      );
    });

    it("refuses an invalid duration", (t) => {
      const file = join(tempDir(t, { "config.yaml": "app:\n  stop_timeout: 10x\n" }), "config.yaml");
      refuses(file, `config: app.stop_timeout (${file}): invalid duration "10x": want a Go duration such as 1s, 500ms or 1m30s`);
    });

    it("refuses a bare number as a duration, saying a unit is wanted", (t) => {
      const file = join(tempDir(t, { "config.yaml": "app:\n  stop_timeout: 10\n" }), "config.yaml");
      refuses(file, `config: app.stop_timeout (${file}): invalid duration 10: want a Go duration such as 1s, 500ms or 1m30s`);
    });

    it("refuses a duration of another type, naming the key and what is wanted", (t) => {
      const file = join(tempDir(t, { "config.yaml": "server:\n  http:\n    timeout: true\n" }), "config.yaml");
      refuses(file, `config: server.http.timeout (${file}): invalid duration true: want a Go duration such as 1s, 500ms or 1m30s`);
      const list = join(tempDir(t, { "config.yaml": "server:\n  grpc:\n    timeout: [1s]\n" }), "config.yaml");
      refuses(list, `config: server.grpc.timeout (${list}): invalid duration ["1s"]: want a Go duration such as 1s, 500ms or 1m30s`);
    });

    it("takes a duration up to 596h and refuses a longer one, which Node's timers would fire at once", (t) => {
      assert.equal(load(tempDir(t, { "config.yaml": "app:\n  stop_timeout: 596h\n" })).app.stop_timeout, 596 * 3600 * 1000);
      const file = join(tempDir(t, { "config.yaml": "app:\n  stop_timeout: 596h0m0.001s\n" }), "config.yaml");
      refuses(file, `config: app.stop_timeout (${file}): invalid duration "596h0m0.001s": longer than 596h, the longest Node's timers wait`);
    });

    it("refuses a port out of range, and an address that is not host:port, naming the key", (t) => {
      const file = join(tempDir(t, { "config.yaml": "server:\n  http:\n    addr: 0.0.0.0:99999\n" }), "config.yaml");
      refuses(file, `config: server.http.addr (${file}): invalid address "0.0.0.0:99999": port 99999 is out of range (0 to 65535)`);
      const bare = join(tempDir(t, { "config.yaml": "data:\n  redis:\n    addr: localhost\n" }), "config.yaml");
      refuses(bare, `config: data.redis.addr (${bare}): invalid address "localhost": want host:port, [v6]:port or :port`);
      assert.equal(load(tempDir(t, { "config.yaml": 'server:\n  grpc:\n    addr: "[::1]:0"\n' })).server.grpc.addr, "[::1]:0");
    });

    it("refuses a header limit above Node's 16 KiB and a body limit of 0, naming the key", (t) => {
      const file = join(tempDir(t, { "config.yaml": "server:\n  http:\n    max_header_bytes: 32768\n    max_body_bytes: 0\n" }), "config.yaml");
      refuses(
        file,
        `config: server.http.max_header_bytes (${file}): Too big: expected number to be <=16384; server.http.max_body_bytes (${file}): Too small: expected number to be >=1`,
      );
    });

    it("refuses a named pipe as the config file at once, instead of blocking on its read", (t) => {
      const dir = tempDir(t);
      const fifo = join(dir, "config.yaml");
      execFileSync("mkfifo", [fifo]);
      refuses(fifo, `config: ${fifo}: not a regular file or a directory`);
    });

    it("accepts a bare 0 as a zero duration, as Go does", (t) => {
      assert.equal(load(tempDir(t, { "config.yaml": "app:\n  stop_timeout: 0\n" })).app.stop_timeout, 0);
    });

    it("refuses a network other than tcp", (t) => {
      const file = join(tempDir(t, { "config.json": '{"server": {"grpc": {"network": "udp"}}}' }), "config.json");
      refuses(file, `config: server.grpc.network (${file}): expected "tcp"`);
    });
  });

  describe("environment overrides", () => {
    it("overrides a string: HELLOWORLD_SERVER_HTTP_ADDR", (t) => {
      const got = load(tempDir(t, { "config.yaml": "{}\n" }), { HELLOWORLD_SERVER_HTTP_ADDR: "127.0.0.1:8080" });
      assert.deepEqual(got, {
        ...defaults,
        server: { ...defaults.server, http: { ...defaults.server.http, addr: "127.0.0.1:8080" } },
      });
    });

    it("overrides a duration: HELLOWORLD_SERVER_GRPC_TIMEOUT=500ms", (t) => {
      const got = load(tempDir(t, { "config.yaml": "{}\n" }), { HELLOWORLD_SERVER_GRPC_TIMEOUT: "500ms" });
      assert.deepEqual(got, { ...defaults, server: { ...defaults.server, grpc: { ...defaults.server.grpc, timeout: 500 } } });
    });

    it("overrides a key whose name has an underscore: HELLOWORLD_DATA_REDIS_READ_TIMEOUT", (t) => {
      const got = load(tempDir(t, { "config.yaml": "{}\n" }), { HELLOWORLD_DATA_REDIS_READ_TIMEOUT: "1s" });
      assert.equal(got.data.redis.read_timeout, 1000);
      assert.equal(got.data.redis.write_timeout, 200);
    });

    it("overrides a boolean: HELLOWORLD_LOG_CALLER=true and =1 are true, =false and =0 are false", (t) => {
      const dir = tempDir(t, { "config.yaml": "log:\n  caller: false\n" });
      assert.deepEqual(load(dir, { HELLOWORLD_LOG_CALLER: "true" }).log, { level: "info", format: "auto", caller: true, access: true });
      assert.equal(load(dir, { HELLOWORLD_LOG_CALLER: "1" }).log.caller, true);
      const on = tempDir(t, { "config.yaml": "log:\n  caller: true\n" });
      assert.equal(load(on, { HELLOWORLD_LOG_CALLER: "false" }).log.caller, false);
      assert.equal(load(on, { HELLOWORLD_LOG_CALLER: "0" }).log.caller, false);
    });

    it("turns the access log off: log.access false in a file, or HELLOWORLD_LOG_ACCESS=false", (t) => {
      const dir = tempDir(t, { "config.yaml": "log:\n  access: false\n" });
      assert.deepEqual(load(dir).log, { level: "info", format: "auto", caller: false, access: false });
      assert.equal(load(dir, { HELLOWORLD_LOG_ACCESS: "true" }).log.access, true);
      assert.equal(load(tempDir(t, { "config.yaml": "{}\n" }), { HELLOWORLD_LOG_ACCESS: "false" }).log.access, false);
    });

    it("refuses an env var with the prefix that names no key, naming the var", (t) => {
      refuses(tempDir(t, { "config.yaml": "{}\n" }), "config: env HELLOWORLD_LOG_CABLLER: no config key has this name", {
        HELLOWORLD_LOG_CABLLER: "true",
      });
    });

    it("refuses an env var that names a section rather than a leaf", (t) => {
      refuses(tempDir(t, { "config.yaml": "{}\n" }), "config: env HELLOWORLD_SERVER: no config key has this name", {
        HELLOWORLD_SERVER: "x",
      });
    });

    it("ignores env vars without the prefix", (t) => {
      assert.deepEqual(load(tempDir(t, { "config.yaml": "{}\n" }), { PATH: "/bin", SERVER_HTTP_ADDR: "x" }), defaults);
    });

    it("ignores env entirely without envPrefix", (t) => {
      const dir = tempDir(t, { "config.yaml": "{}\n" });
      const got = loadConfig(dir, { schema: Bootstrap, env: { HELLOWORLD_SERVER_HTTP_ADDR: "x", HELLOWORLD_NOPE: "1" } });
      assert.deepEqual(got, defaults);
    });

    it("lets env win over every file", (t) => {
      const dir = tempDir(t, {
        "a.yaml": "server:\n  http:\n    addr: a:1\n",
        "b.json": '{"server": {"http": {"addr": "b:2", "timeout": "3s"}}}',
      });
      const got = load(dir, { HELLOWORLD_SERVER_HTTP_ADDR: "env:3" });
      assert.deepEqual(got.server.http, { ...defaults.server.http, addr: "env:3", timeout: 3000 });
    });

    it("names the env var as the origin of a bad boolean", (t) => {
      refuses(tempDir(t, { "config.yaml": "{}\n" }), "config: log.caller (env HELLOWORLD_LOG_CALLER): expected boolean, received string", {
        HELLOWORLD_LOG_CALLER: "maybe",
      });
    });

    it("names the env var as the origin of a bad duration, even when a file set the key", (t) => {
      refuses(
        tempDir(t, { "config.yaml": "app:\n  stop_timeout: 5s\n" }),
        'config: app.stop_timeout (env HELLOWORLD_APP_STOP_TIMEOUT): invalid duration "10": want a Go duration such as 1s, 500ms or 1m30s',
        { HELLOWORLD_APP_STOP_TIMEOUT: "10" },
      );
    });

    it("names the env var as the origin of a bad enum value", (t) => {
      refuses(tempDir(t, { "config.yaml": "{}\n" }), `config: log.level (env HELLOWORLD_LOG_LEVEL): expected one of ${levels}`, {
        HELLOWORLD_LOG_LEVEL: "loud",
      });
    });

    it("still reports a file's wrong-typed section when env sets a key under it", (t) => {
      const file = join(tempDir(t, { "config.yaml": "server: 1\n" }), "config.yaml");
      refuses(file, `config: server (${file}): expected object, received number`, { HELLOWORLD_SERVER_HTTP_ADDR: "x" });
    });
  });

  describe("secrets", () => {
    const advice = "set it with HELLOWORLD_DATA_DATABASE_PASSWORD or data.database.password_file, not in a config file";

    it("refuses the database password in a config file, without echoing it", (t) => {
      const file = join(tempDir(t, { "config.yaml": "data:\n  database:\n    password: hunter2\n" }), "config.yaml");
      refuses(file, `config: data.database.password (${file}): the password is a secret: ${advice}`);
    });

    it("refuses a source URL that holds a password in a config file, without echoing it", (t) => {
      const file = join(
        tempDir(t, { "config.yaml": "data:\n  database:\n    driver: postgres\n    source: postgres://app:hunter2@db:5432/app\n" }),
        "config.yaml",
      );
      refuses(file, `config: data.database.source (${file}): the URL holds a password, a secret: ${advice}`);
    });

    it("takes the password, or a URL that holds one, from the environment, and a password_file from a file", (t) => {
      const dir = tempDir(t, {
        "config.yaml": "data:\n  database:\n    driver: postgres\n    source: postgres://app@db:5432/app\n    password_file: /run/secrets/db\n",
      });
      const fromEnv = load(dir, { HELLOWORLD_DATA_DATABASE_PASSWORD: "hunter2" }).data.database;
      assert.deepEqual(fromEnv, { driver: "postgres", source: "postgres://app@db:5432/app", password: "hunter2", password_file: "/run/secrets/db" });
      const url = load(dir, { HELLOWORLD_DATA_DATABASE_SOURCE: "postgres://app:hunter2@db:5432/app" }).data.database.source;
      assert.equal(url, "postgres://app:hunter2@db:5432/app");
    });
  });

  describe("YAML and JSON safety", () => {
    it("refuses !!js/function", (t) => {
      const file = join(tempDir(t, { "config.yaml": "log:\n  level: !!js/function 'function () { return 1 }'\n" }), "config.yaml");
      refuses(file, `config: ${file}: unknown scalar tag !<tag:yaml.org,2002:js/function> at line 2, column 10`);
    });

    it("refuses a custom local tag", (t) => {
      const file = join(tempDir(t, { "config.yaml": "log:\n  level: !env LOG_LEVEL\n" }), "config.yaml");
      refuses(file, `config: ${file}: unknown scalar tag !<!env> at line 2, column 10`);
    });

    it("refuses !!js/undefined", (t) => {
      const file = join(tempDir(t, { "config.yaml": "x: !!js/undefined ''\n" }), "config.yaml");
      refuses(file, `config: ${file}: unknown scalar tag !<tag:yaml.org,2002:js/undefined> at line 1, column 4`);
    });

    it("refuses a __proto__ key in YAML and leaves Object.prototype alone", (t) => {
      const file = join(tempDir(t, { "config.yaml": "__proto__:\n  polluted: yes\n" }), "config.yaml");
      refuses(file, `config: __proto__ (${file}): forbidden key`);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    it("refuses a __proto__ key in JSON and leaves Object.prototype alone", (t) => {
      const file = join(tempDir(t, { "config.json": '{"__proto__": {"polluted": true}}' }), "config.json");
      refuses(file, `config: __proto__ (${file}): forbidden key`);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    it("refuses a nested __proto__ key naming its path", (t) => {
      const file = join(tempDir(t, { "config.json": '{"server": {"http": {"__proto__": {"polluted": true}}}}' }), "config.json");
      refuses(file, `config: server.http.__proto__ (${file}): forbidden key`);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    it("refuses constructor and prototype keys", (t) => {
      const file = join(tempDir(t, { "config.yaml": "constructor:\n  prototype:\n    polluted: yes\n" }), "config.yaml");
      refuses(file, `config: constructor (${file}): forbidden key`);
      const file2 = join(tempDir(t, { "config.yaml": "log:\n  prototype: 1\n" }), "config.yaml");
      refuses(file2, `config: log.prototype (${file2}): forbidden key`);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    it("does not expand << merge keys: << stays a literal key and is refused as unknown", (t) => {
      const file = join(tempDir(t, { "config.yaml": "server:\n  http:\n    <<: {addr: 1.2.3.4:5}\n" }), "config.yaml");
      refuses(file, `config: server.http.<< (${file}): unknown key`);
    });

    it("does not expand << of an anchor either; the anchor's own top-level key is unknown too", (t) => {
      const file = join(tempDir(t, { "config.yaml": "base: &b\n  addr: 1.2.3.4:5\nserver:\n  http:\n    <<: *b\n" }), "config.yaml");
      refuses(file, `config: server.http.<< (${file}): unknown key; base (${file}): unknown key`);
    });

    it("expands plain anchors and aliases into copies", (t) => {
      const got = load(tempDir(t, { "config.yaml": "server:\n  http: &l\n    addr: 1.2.3.4:5\n    timeout: 2s\n  grpc: *l\n" }));
      assert.deepEqual(got.server, {
        http: { ...defaults.server.http, addr: "1.2.3.4:5", timeout: 2000 },
        grpc: { ...defaults.server.grpc, addr: "1.2.3.4:5", timeout: 2000 },
        ratelimit: defaults.server.ratelimit,
      });
      assert.notEqual(got.server.http, got.server.grpc);
    });

    it("refuses an alias to an enclosing anchor, a cycle, with a clear error", (t) => {
      const file = join(tempDir(t, { "config.yaml": "server: &a\n  http: *a\n" }), "config.yaml");
      refuses(file, `config: ${file}: keys nested more than 100 deep`);
    });

    /** bomb writes 10 levels of anchors, each level 10 aliases of the one before: 10^10 leaves if expanded. */
    function bomb(kind: "mapping" | "sequence", place: (last: string) => string): string {
      const lines: string[] = [];
      const names = "abcdefghij";
      for (let i = 0; i < names.length; i++) {
        const name = names[i] as string;
        const items = Array.from({ length: 10 }, () => (i === 0 ? "lol" : `*${names[i - 1]}`));
        const body = kind === "mapping" ? `{${items.map((v, k) => `k${k}: ${v}`).join(", ")}}` : `[${items.join(", ")}]`;
        lines.push(`${name}: &${name} ${body}`);
      }
      lines.push(place("*j"));
      return `${lines.join("\n")}\n`;
    }

    /** loadInWorker runs loadConfig in a worker and gives up after deadlineMs, so a hang fails the test instead of the suite. */
    async function loadInWorker(file: string, deadlineMs: number): Promise<{ message: string; ms: number }> {
      const code = `
        const { parentPort, workerData } = require("node:worker_threads");
        Promise.all([import(workerData.loader), import(workerData.conf)]).then(([l, c]) => {
          parentPort.once("message", () => {
            const started = performance.now();
            let message = "loaded without error";
            try { l.loadConfig(workerData.file, { schema: c.Bootstrap, env: {} }); } catch (err) { message = err.name + ": " + err.message; }
            parentPort.postMessage({ message, ms: performance.now() - started });
          });
          parentPort.postMessage("ready");
        });`;
      const worker = new Worker(code, {
        eval: true,
        workerData: { file, loader: import.meta.resolve("@kratos-ts/kratos/config"), conf: new URL("./conf.js", import.meta.url).href },
      });
      try {
        return await new Promise((resolve, reject) => {
          let timer: NodeJS.Timeout | undefined;
          worker.on("error", reject);
          worker.on("message", (msg: unknown) => {
            if (msg === "ready") {
              timer = setTimeout(() => reject(new Error(`loadConfig did not return within ${deadlineMs} ms`)), deadlineMs);
              worker.postMessage("go");
            } else {
              clearTimeout(timer);
              resolve(msg as { message: string; ms: number });
            }
          });
        });
      } finally {
        await worker.terminate();
      }
    }

    it("stops a billion-laughs mapping bomb quickly with a clear error", async (t) => {
      const file = join(tempDir(t, { "config.yaml": bomb("mapping", (last) => `log: ${last}`) }), "config.yaml");
      const { message, ms } = await loadInWorker(file, 2000);
      assert.equal(message, `ConfigError: config: ${file}: more than 100000 keys`);
      assert.ok(ms < 2000, `took ${ms} ms`);
    });

    it("stops a billion-laughs sequence bomb under a leaf quickly: aliases are shared, not expanded", async (t) => {
      const file = join(tempDir(t, { "config.yaml": bomb("sequence", (last) => `server:\n  http:\n    addr: ${last}`) }), "config.yaml");
      const names = [..."abcdefghij"].map((n) => `${n} (${file}): unknown key`).join("; ");
      const { message, ms } = await loadInWorker(file, 2000);
      assert.equal(message, `ConfigError: config: server.http.addr (${file}): expected string, received array; ${names}`);
      assert.ok(ms < 2000, `took ${ms} ms`);
    });
  });
});
