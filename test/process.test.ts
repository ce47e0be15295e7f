// Process-level tests: the compiled helloworld binary and a small fixture program on the App, run as
// child processes, checked by exit code, stderr and the exact messages of their JSON log lines.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { create } from "@bufbuild/protobuf";
import { credentials, type ServiceError, status } from "@grpc/grpc-js";
import { openSqlite } from "../internal/data/sqlite.js";
import { EchoClient } from "./api/echo/v1/echo_grpc.js";
import { type EchoReply, FailRequestSchema } from "./api/echo/v1/echo_pb.js";
import { OTLPReceiver } from "./support/otlp.js";
import {
  type ChildLine,
  type ChildProc,
  childEnv,
  dial,
  GRPC_LISTENING,
  HTTP_LISTENING,
  killAll,
  listening,
  listeningPort,
  startNode,
} from "./support/process.js";
import { repoRoot } from "./support/repo.js";

const root = pathToFileURL(`${repoRoot()}/`);
const mainJs = new URL("../cmd/helloworld/main.js", import.meta.url);
const slowAppJs = new URL("./fixtures/slow-app.js", import.meta.url);
const configsDir = fileURLToPath(new URL("configs", root));
const { version } = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { version: string };

const T = { timeout: 20_000 };

const ephemeral = {
  HELLOWORLD_SERVER_HTTP_ADDR: "127.0.0.1:0",
  HELLOWORLD_SERVER_GRPC_ADDR: "127.0.0.1:0",
  HELLOWORLD_LOG_FORMAT: "json",
  // Each process gets a database of its own, so tests that run at once share nothing.
  HELLOWORLD_DATA_DATABASE_SOURCE: ":memory:",
};

const migrated = "applied migration 0001_greeters";

/**
 * served is what the binary logged after migrating its fresh database, which it does before anything else.
 * Its access lines (msg "access") stay in the sequence; access is exactly what they hold, in order, without
 * the fields that vary (ts, latency, service.id and service.version), each checked for its kind first.
 */
function served(proc: ChildProc, access: Record<string, unknown>[] = []): string[] {
  const msgs = proc.messages();
  assert.equal(msgs[0], migrated, proc.transcript());
  assert.deepEqual(accessLines(proc), access, proc.transcript());
  return msgs.slice(1);
}

/**
 * accessLines are the access lines of proc, without ts, latency, service.id, service.version and the ids of
 * the request's span, once those are checked.
 */
function accessLines(proc: ChildProc): Record<string, unknown>[] {
  return proc.lines
    .filter((l) => l.msg === "access")
    .map((l) => {
      const { ts, latency, "service.id": sid, "service.version": sver, "trace.id": traceId, "span.id": spanId, ...rest } = l;
      assert.equal(typeof ts, "string", JSON.stringify(l));
      assert.match(`${traceId} ${spanId}`, /^[0-9a-f]{32} [0-9a-f]{16}$/, JSON.stringify(l));
      assert.ok(typeof latency === "number" && latency >= 0, JSON.stringify(l));
      assert.deepEqual([typeof sid, sver], ["string", version], JSON.stringify(l));
      return rest;
    });
}

/** sayHello is the access line of one GET /helloworld/{name} over HTTP. */
function sayHello(name: string): Record<string, unknown> {
  return {
    level: "INFO",
    "service.name": "helloworld",
    kind: "server",
    component: "http",
    operation: "/helloworld.v1.Greeter/SayHello",
    args: { name },
    code: 200,
    reason: "",
    msg: "access",
  };
}

function startHelloworld(args: string[], env: Record<string, string> = ephemeral): ChildProc {
  return startNode(mainJs, args, { env: childEnv(env), cwd: root });
}

function startSlowApp(stopTimeout: string): ChildProc {
  return startNode(slowAppJs, [], { env: childEnv({ SLOW_APP_STOP_TIMEOUT: stopTimeout }), cwd: root });
}

/** The two listening lines, in the order the process wrote them (the servers start concurrently). */
function startLines(msgs: string[], proc: ChildProc, p: { http: number; grpc: number }): string[] {
  const want = [`[HTTP] server listening on: 127.0.0.1:${p.http}`, `[gRPC] server listening on: 127.0.0.1:${p.grpc}`];
  const got = msgs.slice(0, 2);
  assert.deepEqual([...got].sort(), [...want].sort(), `the first two lines are the listening lines\n${proc.transcript()}`);
  return got;
}

function levelOf(proc: ChildProc, msg: string): string | undefined {
  return proc.lines.find((l: ChildLine) => l.msg === msg)?.level;
}

afterEach(killAll);
after(killAll);

describe("helloworld binary: start and graceful stop", () => {
  for (const sig of ["SIGTERM", "SIGINT", "SIGQUIT"] as const) {
    it(`serves, then stops cleanly with exit 0 on ${sig}`, T, async () => {
      const proc = startHelloworld(["-conf", configsDir]);
      const p = await listening(proc);

      // Serving a request and logging it is the readiness signal the test waits on before it signals.
      const res = await fetch(`http://127.0.0.1:${p.http}/helloworld/kratos`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), '{"message":"Hello kratos"}');
      await proc.waitForMsg("CreateGreeter: kratos");

      proc.signal(sig);
      const exit = await proc.exited;

      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, proc.transcript());
      assert.equal(proc.stderr, "");
      const msgs = served(proc, [sayHello("kratos")]);
      startLines(msgs, proc, p);
      // The access line is written before the reply is sent, so before the signal.
      assert.deepEqual(msgs.slice(2, 5), ["CreateGreeter: kratos", "access", `received ${sig}, stopping`], proc.transcript());
      // The servers stop concurrently; either may log first.
      assert.deepEqual(msgs.slice(5, 7).sort(), ["[HTTP] server stopping", "[gRPC] server stopping"], proc.transcript());
      assert.deepEqual(msgs.slice(7), ["closing the data resources"], proc.transcript());
      for (const l of proc.lines) assert.equal(l.level, "INFO", JSON.stringify(l));
    });
  }

  it("a SIGTERM as soon as the first server listens, while the other may still bind, stops gracefully", T, async () => {
    const proc = startHelloworld(["-conf", configsDir]);
    await proc.waitFor((l) => HTTP_LISTENING.test(l.msg) || GRPC_LISTENING.test(l.msg), "a listening line");
    proc.signal("SIGTERM");
    const exit = await proc.exited;
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, proc.transcript());
    assert.equal(proc.stderr, "");
    const msgs = served(proc);
    const p = { http: listeningPort(await proc.waitForMsg(HTTP_LISTENING)), grpc: listeningPort(await proc.waitForMsg(GRPC_LISTENING)) };
    // The signal may land before or after the second server logs that it listens; everything else is fixed.
    assert.deepEqual(
      msgs.slice(0, 3).sort(),
      [`[HTTP] server listening on: 127.0.0.1:${p.http}`, `[gRPC] server listening on: 127.0.0.1:${p.grpc}`, "received SIGTERM, stopping"].sort(),
      proc.transcript(),
    );
    assert.deepEqual(msgs.slice(3, 5).sort(), ["[HTTP] server stopping", "[gRPC] server stopping"], proc.transcript());
    assert.deepEqual(msgs.slice(5), ["closing the data resources"], proc.transcript());
  });
});

describe("helloworld binary: the access lines of a burst", () => {
  it("a SIGTERM right after the last of 2,000 replies still finds every access line on stdout", T, async () => {
    const n = 2000;
    // Every request of the burst must be served to be logged: the limiter, which sheds some of it, is off.
    const proc = startHelloworld(["-conf", configsDir], { ...ephemeral, HELLOWORLD_SERVER_RATELIMIT_ENABLED: "false" });
    const p = await listening(proc);
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const get = (name: string) =>
      new Promise<string>((resolve, reject) => {
        request({ host: "127.0.0.1", port: p.http, path: `/helloworld/${name}`, agent }, (res) => {
          let body = "";
          res.setEncoding("utf8").on("data", (c: string) => {
            body += c;
          });
          res.on("end", () => resolve(body)).on("error", reject);
        })
          .on("error", reject)
          .end();
      });
    const names = Array.from({ length: n }, (_, i) => `b${i}`);
    const bodies = await Promise.all(names.map(get));
    // No wait for any log line: the signal goes as soon as the last reply is in.
    proc.signal("SIGTERM");
    agent.destroy();
    const exit = await proc.exited;

    assert.deepEqual(
      bodies,
      names.map((name) => `{"message":"Hello ${name}"}`),
    );
    assert.deepEqual({ code: exit.code, signal: exit.signal, stderr: proc.stderr }, { code: 0, signal: null, stderr: "" }, proc.transcript().slice(-2000));
    const byName = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      Number(String((a.args as { name: string }).name).slice(1)) - Number(String((b.args as { name: string }).name).slice(1));
    assert.deepEqual(accessLines(proc).sort(byName), names.map(sayHello));
    const msgs = proc.messages();
    assert.equal(msgs.length, 1 + 2 + 2 * n + 4, `${msgs.length} lines`);
    assert.equal(msgs[0], migrated);
    startLines(msgs.slice(1), proc, p);
    const burst = msgs.slice(3, 3 + 2 * n);
    assert.equal(burst.filter((m) => m === "access").length, n);
    assert.deepEqual(burst.filter((m) => m !== "access").sort(), names.map((name) => `CreateGreeter: ${name}`).sort());
    assert.deepEqual(msgs.slice(3 + 2 * n, 4 + 2 * n), ["received SIGTERM, stopping"]);
    assert.deepEqual(msgs.slice(4 + 2 * n, 6 + 2 * n).sort(), ["[HTTP] server stopping", "[gRPC] server stopping"]);
    assert.deepEqual(msgs.slice(6 + 2 * n), ["closing the data resources"]);
    // Every line on stdout is whole JSON: nothing torn by the exit.
    assert.equal(proc.lines.filter((l) => l.level === "NOT-JSON").length, 0);
    assert.ok(proc.stdout.endsWith("\n"));
  });
});

describe("helloworld binary: a fault in the process", () => {
  const faultJs = new URL("./fixtures/fault.js", import.meta.url).href;
  for (const [kind, what] of [
    ["rejection", "unhandled rejection"],
    ["exception", "uncaught exception"],
  ] as const) {
    it(`an ${what} is logged, stops the servers gracefully and exits 1`, T, async () => {
      const proc = startHelloworld(["-conf", configsDir], { ...ephemeral, FAULT: kind, NODE_OPTIONS: `--import=${faultJs}` });
      const p = await listening(proc);
      const res = await fetch(`http://127.0.0.1:${p.http}/helloworld/kratos`);
      assert.equal(await res.text(), '{"message":"Hello kratos"}');
      await proc.waitForMsg("CreateGreeter: kratos");

      proc.signal("SIGUSR2");
      const exit = await proc.exited;

      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 1, signal: null }, proc.transcript());
      assert.equal(proc.stderr, `helloworld: ${what}: injected ${kind}\n`);
      const msgs = served(proc, [sayHello("kratos")]);
      assert.deepEqual(msgs.slice(2, 5), ["CreateGreeter: kratos", "access", `${what}: injected ${kind}, stopping`], proc.transcript());
      assert.deepEqual(msgs.slice(5, 7).sort(), ["[HTTP] server stopping", "[gRPC] server stopping"], proc.transcript());
      assert.deepEqual(msgs.slice(7), ["closing the data resources"], proc.transcript());
      const line = proc.lines[5] as ChildLine & { err?: { message: string; stack: string } };
      assert.equal(line.level, "ERROR");
      assert.equal(line.err?.message, `injected ${kind}`);
      assert.match(line.err?.stack ?? "", /fixtures\/fault\.js:\d+/);
    });
  }
});

/** closedPort is a loopback port that nothing listens on: one the system just gave out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("helloworld binary: the database", () => {
  const dir = mkdtempSync(join(tmpdir(), "helloworld-db-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** countOf reads greet_count straight from the SQLite file, as another program would. */
  function countOf(file: string, hello: string): number | undefined {
    const db = openSqlite(file);
    try {
      return (db.prepare("select greet_count from greeters where hello = ?").all([hello])[0] as { greet_count: number } | undefined)?.greet_count;
    } finally {
      db.close();
    }
  }

  async function greetAndStop(file: string, times: number): Promise<void> {
    const proc = startHelloworld(["-conf", configsDir], { ...ephemeral, HELLOWORLD_DATA_DATABASE_SOURCE: file });
    const p = await listening(proc);
    for (let i = 0; i < times; i++) assert.equal(await (await fetch(`http://127.0.0.1:${p.http}/helloworld/kratos`)).text(), '{"message":"Hello kratos"}');
    proc.signal("SIGTERM");
    const exit = await proc.exited;
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, proc.transcript());
  }

  it("keeps the greetings written before a SIGTERM across a restart", T, async () => {
    const file = join(dir, "restart.db");
    await greetAndStop(file, 2);
    assert.equal(countOf(file, "kratos"), 2);
    await greetAndStop(file, 1);
    assert.equal(countOf(file, "kratos"), 3);
  });

  // Two replicas racing on a new file lost the race about one time in six before transactions began IMMEDIATE;
  // three races at once make a regression show up in most runs.
  it("-migrate brings a new database up to date and exits 0; two at once apply each migration once", T, async () => {
    await Promise.all(["migrate-a.db", "migrate-b.db", "migrate-c.db"].map((name) => migrateTwiceAtOnce(join(dir, name))));
  });

  async function migrateTwiceAtOnce(file: string): Promise<void> {
    const procs = [0, 1].map(() => startHelloworld(["-conf", configsDir, "-migrate"], { ...ephemeral, HELLOWORLD_DATA_DATABASE_SOURCE: file }));
    const exits = await Promise.all(procs.map((p) => p.exited));
    for (const [i, exit] of exits.entries()) {
      assert.deepEqual({ code: exit.code, signal: exit.signal, stderr: procs[i]?.stderr }, { code: 0, signal: null, stderr: "" }, procs[i]?.transcript());
    }
    const msgs = procs.flatMap((p) => p.messages());
    assert.deepEqual(
      msgs.filter((m) => m.startsWith("applied migration")),
      [migrated],
    );
    assert.deepEqual(
      msgs.filter((m) => !m.startsWith("applied migration")),
      ["closing the data resources", "closing the data resources"],
    );
    assert.equal(countOf(file, "kratos"), undefined, "the greeters table exists and is empty");
  }

  for (const driver of ["postgres", "mysql"] as const) {
    it(
      `${driver}: a server that does not answer at start is one stderr line naming the driver and host, never the password, and exit 1 within 10 s`,
      T,
      async () => {
        const port = await closedPort();
        const started = performance.now();
        const proc = startHelloworld(["-conf", configsDir], {
          ...ephemeral,
          HELLOWORLD_DATA_DATABASE_DRIVER: driver,
          HELLOWORLD_DATA_DATABASE_SOURCE: `${driver}://app:s3cret-pw@127.0.0.1:${port}/greeters`,
        });
        const exit = await proc.exited;
        assert.ok(exit.at - started < 10_000, `exited after ${Math.round(exit.at - started)} ms`);
        assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 1, signal: null }, proc.transcript());
        assert.equal(proc.stderr, `helloworld: migrate ${driver} database 127.0.0.1:${port}/greeters: connect ECONNREFUSED 127.0.0.1:${port}\n`);
        assert.ok(!proc.stdout.includes("s3cret") && !proc.stderr.includes("s3cret"), proc.transcript());
      },
    );
  }

  it("a database it cannot open is one stderr line naming the driver, and exit 1", T, async () => {
    writeFileSync(join(dir, "not-a-dir"), "");
    const proc = startHelloworld(["-conf", configsDir], { ...ephemeral, HELLOWORLD_DATA_DATABASE_SOURCE: join(dir, "not-a-dir", "x.db") });
    const exit = await proc.exited;
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 1, signal: null }, proc.transcript());
    assert.equal(
      proc.stderr,
      `helloworld: open sqlite database ${join(dir, "not-a-dir", "x.db")}: EEXIST: file already exists, mkdir '${join(dir, "not-a-dir")}'\n`,
    );
  });
});

describe("helloworld binary: span export", () => {
  it("OTEL_EXPORTER_OTLP_ENDPOINT turns export on; a SIGTERM sends the spans still batched before the exit", T, async () => {
    const receiver = await OTLPReceiver.start();
    try {
      const proc = startHelloworld(["-conf", configsDir], { ...ephemeral, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
      const p = await listening(proc);
      const traceId = "0af7651916cd43dd8448eb211c80319c";
      const res = await fetch(`http://127.0.0.1:${p.http}/helloworld/kratos`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
      assert.equal(await res.text(), '{"message":"Hello kratos"}');
      // The batch would wait 5 s (OTEL_BSP_SCHEDULE_DELAY) to be sent; the stop sends it at once.
      proc.signal("SIGTERM");
      const exit = await proc.exited;
      assert.deepEqual({ code: exit.code, signal: exit.signal, stderr: proc.stderr }, { code: 0, signal: null, stderr: "" }, proc.transcript());
      const access = proc.lines.find((l) => l.msg === "access");
      assert.deepEqual(
        receiver.spans.map((s) => [
          s.name,
          s.traceId,
          s.parentSpanId === "b7ad6b7169203331" ? "caller" : s.parentSpanId === access?.["span.id"] ? "server" : s.parentSpanId,
        ]),
        [
          ["INSERT greeters", traceId, "server"],
          ["/helloworld.v1.Greeter/SayHello", traceId, "caller"],
        ],
      );
      assert.equal(receiver.spans[1]?.spanId, access?.["span.id"]);
      assert.equal(receiver.spans[1]?.resource["service.name"], "helloworld");
    } finally {
      await receiver.stop();
    }
  });
});

describe("helloworld binary: flags", () => {
  for (const flag of ["--version", "-version"]) {
    it(`${flag} prints the name and the package.json version and exits 0`, T, async () => {
      const proc = startHelloworld([flag]);
      const exit = await proc.exited;
      assert.equal(exit.code, 0, proc.transcript());
      assert.equal(proc.stdout, `helloworld ${version}\n`);
      assert.equal(proc.stderr, "");
    });
  }

  it("an unknown flag exits 2 with Go's message, then the usage", T, async () => {
    const proc = startHelloworld(["-nope"]);
    const exit = await proc.exited;
    assert.equal(exit.code, 2, proc.transcript());
    assert.equal(proc.stdout, "");
    const lines = proc.stderrLines();
    assert.equal(lines[0], "flag provided but not defined: -nope");
    assert.equal(lines[1], "Usage of helloworld:");
  });
});

describe("helloworld binary: a bad config is one stderr line and exit 1", () => {
  let dir = "";
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = "";
  });

  /** run writes yaml as config.yaml in a fresh temp dir and runs the binary on that dir; it returns the file's path. */
  async function run(yaml: string | undefined, env: Record<string, string> = ephemeral, conf?: (dir: string) => string) {
    dir = mkdtempSync(join(tmpdir(), "helloworld-conf-"));
    const file = join(dir, "config.yaml");
    if (yaml !== undefined) writeFileSync(file, yaml);
    const proc = startHelloworld(["-conf", conf ? conf(dir) : dir], env);
    const exit = await proc.exited;
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 1, signal: null }, proc.transcript());
    assert.equal(proc.stdout, "", "nothing on stdout");
    assert.doesNotMatch(proc.stderr, /^ {4}at /m, "no stack frames");
    assert.equal(proc.stderrLines().length, 1, `exactly one stderr line\n${proc.stderr}`);
    return { file, dir, line: proc.stderrLines()[0] };
  }

  it("an unknown key names the key and the file", T, async () => {
    const { file, line } = await run("server:\n  http:\n    adress: 127.0.0.1:0\n");
    assert.equal(line, `helloworld: config: server.http.adress (${file}): unknown key`);
  });

  it("an invalid duration names the key, the file and the value", T, async () => {
    const { file, line } = await run("server:\n  http:\n    timeout: 1x\n");
    assert.equal(line, `helloworld: config: server.http.timeout (${file}): invalid duration "1x": want a Go duration such as 1s, 500ms or 1m30s`);
  });

  it("a missing -conf path names the path", T, async () => {
    const { dir, line } = await run(undefined, ephemeral, (d) => join(d, "missing.yaml"));
    assert.equal(line, `helloworld: config: cannot read ${join(dir, "missing.yaml")}: no such file or directory`);
  });

  it("a value of the wrong type names the key, the file and the types", T, async () => {
    const { HELLOWORLD_SERVER_HTTP_ADDR: _, ...env } = ephemeral;
    const { file, line } = await run("server:\n  http:\n    addr: 8000\n", env);
    assert.equal(line, `helloworld: config: server.http.addr (${file}): expected string, received number`);
  });

  it("a trace.endpoint that is not an http URL names the key and the file", T, async () => {
    const { file, line } = await run("trace:\n  endpoint: collector:4318\n");
    assert.equal(line, `helloworld: config: trace.endpoint (${file}): an http:// or https:// URL, or "" for none`);
  });

  it("an OTEL_EXPORTER_OTLP_ENDPOINT that is not an http URL names the variable", T, async () => {
    const { line } = await run("{}\n", { ...ephemeral, OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" });
    assert.equal(line, 'helloworld: tracing: OTEL_EXPORTER_OTLP_ENDPOINT "collector:4318" is not an http or https URL (OTLP/HTTP is the only export)');
  });

  it("malformed YAML names the file and the position", T, async () => {
    const { file, line } = await run("server:\n  http:\n    addr: 127.0.0.1:0\n   timeout: 1s\n");
    assert.equal(line, `helloworld: config: ${file}: bad indentation of a mapping entry at line 4, column 4`);
  });
});

describe("helloworld binary: a port in use", () => {
  let blocker: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
    blocker = undefined;
  });

  async function busyPort(): Promise<number> {
    const server = createServer();
    blocker = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    return (server.address() as { port: number }).port;
  }

  it("HTTP: exit 1, one stderr line, and the gRPC server that did start is stopped and cleanup runs", T, async () => {
    const port = await busyPort();
    const proc = startHelloworld(["-conf", configsDir], { ...ephemeral, HELLOWORLD_SERVER_HTTP_ADDR: `127.0.0.1:${port}` });
    const exit = await proc.exited;
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 1, signal: null }, proc.transcript());
    assert.deepEqual(proc.stderrLines(), [`helloworld: [HTTP] listen 127.0.0.1:${port}: address already in use`]);
    const msgs = served(proc);
    assert.match(msgs[0] ?? "", GRPC_LISTENING, proc.transcript());
    assert.deepEqual(msgs.slice(1), ["[gRPC] server stopping", "closing the data resources"], proc.transcript());
  });

  it("gRPC: exit 1, one stderr line, and the HTTP server that did start is stopped and cleanup runs", T, async () => {
    const port = await busyPort();
    const proc = startHelloworld(["-conf", configsDir], { ...ephemeral, HELLOWORLD_SERVER_GRPC_ADDR: `127.0.0.1:${port}` });
    const exit = await proc.exited;
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 1, signal: null }, proc.transcript());
    // grpc-js's own "No address added out of total 1 resolved" must not reach stderr.
    assert.deepEqual(proc.stderrLines(), [`helloworld: [gRPC] listen 127.0.0.1:${port}: address already in use`]);
    const msgs = served(proc);
    assert.match(msgs[0] ?? "", HTTP_LISTENING, proc.transcript());
    assert.deepEqual(msgs.slice(1), ["[HTTP] server stopping", "closing the data resources"], proc.transcript());
  });
});

// ---- The fixture: the App with an Echo whose Fail RPC in mode "slow" sleeps for `wait`. ----

interface HTTPResult {
  status: number;
  body: string;
  connection: string | undefined;
  at: number;
}

/** patchSlow starts PATCH /v1/fail/slow with {"wait": wait}; it resolves with the reply, or rejects with the socket error. */
function patchSlow(port: number, wait: string, agent: Agent | false = false): Promise<HTTPResult> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ wait });
    const req = request({ host: "127.0.0.1", port, method: "PATCH", path: "/v1/fail/slow", agent, headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, connection: res.headers.connection, at: performance.now() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

function failSlow(client: EchoClient, seconds: bigint): Promise<{ reply: EchoReply; at: number }> {
  return new Promise((resolve, reject) => {
    client.fail(create(FailRequestSchema, { mode: "slow", wait: { seconds } }), (err, reply) =>
      err ? reject(err) : resolve({ reply: reply as EchoReply, at: performance.now() }),
    );
  });
}

/** startSlow starts the fixture and waits until it listens for signals. */
async function startSlow(stopTimeout: string): Promise<{ proc: ChildProc; p: { http: number; grpc: number } }> {
  const proc = startSlowApp(stopTimeout);
  const p = await listening(proc);
  await proc.waitForMsg("slow-app started");
  return { proc, p };
}

/** The messages of a fixture run with a slow request, from the start through the moment both listeners are closed. */
function stopPrefix(proc: ChildProc, p: { http: number; grpc: number }): string[] {
  return [
    ...startLines(proc.messages(), proc, p),
    "slow-app started",
    "slow request started",
    "received SIGTERM, stopping",
    "[gRPC] server stopping",
    "[gRPC] stop called",
    "[HTTP] server stopping",
    "[HTTP] stop called",
  ];
}

describe("App: SIGTERM with a request in flight", () => {
  it("HTTP: the request completes with 200, new connections are refused, and the process exits 0 once it is done", T, async () => {
    const stopTimeout = 5000;
    const { proc, p } = await startSlow("5s");
    // agent false: one connection, Connection: close, as curl does.
    const reply = patchSlow(p.http, "1.5s");
    reply.catch(() => {});
    await proc.waitForMsg("slow request started");
    const sent = proc.signal("SIGTERM");

    // The fixture logs "[HTTP] stop called" right after HTTPServer.stop() has closed the listener.
    await proc.waitForMsg("[HTTP] stop called");
    assert.equal((await dial(p.http))?.code, "ECONNREFUSED", "a new HTTP connection while the request is in flight");
    assert.equal((await dial(p.grpc))?.code, "ECONNREFUSED", "a new gRPC connection while the request is in flight");

    const r = await reply;
    assert.equal(r.status, 200);
    assert.equal(r.body, '{"transport":"http","operation":"/echo.v1.Echo/Fail"}');
    const exit = await proc.exited;
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, proc.transcript());
    assert.equal(proc.stderr, "");
    assert.deepEqual(proc.messages(), [...stopPrefix(proc, p), "slow request finished", "slow-app exiting"], proc.transcript());
    assert.ok(exit.at - sent < stopTimeout + 1000, `exited ${Math.round(exit.at - sent)}ms after SIGTERM`);
    assert.ok(exit.at - r.at < 1000, `exited ${Math.round(exit.at - r.at)}ms after the reply: it should not wait out the stop timeout`);
  });

  it("HTTP keep-alive: the connection of a request that finishes during the stop does not hold the stop", T, async () => {
    const { proc, p } = await startSlow("3s");
    // A pooled keep-alive connection, as fetch and most clients use; it would stay open until the server closed it.
    const agent = new Agent({ keepAlive: true });
    try {
      const reply = patchSlow(p.http, "1s", agent);
      reply.catch(() => {});
      await proc.waitForMsg("slow request started");
      proc.signal("SIGTERM");
      const r = await reply;
      assert.equal(r.status, 200);
      assert.equal(r.connection, "close", "a reply sent during the stop closes its connection");
      const exit = await proc.exited;
      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, proc.transcript());
      // No force-stop WARN: the idle connection did not hold the stop until the 3s timeout.
      assert.deepEqual(proc.messages(), [...stopPrefix(proc, p), "slow request finished", "slow-app exiting"], proc.transcript());
      assert.ok(exit.at - r.at < 1000, `exited ${Math.round(exit.at - r.at)}ms after the reply`);
    } finally {
      agent.destroy();
    }
  });

  it("gRPC: the call completes, new connections are refused, and the process exits 0 once it is done", T, async () => {
    const stopTimeout = 5000;
    const { proc, p } = await startSlow("5s");
    const client = new EchoClient(`127.0.0.1:${p.grpc}`, credentials.createInsecure());
    try {
      const reply = failSlow(client, 1n);
      reply.catch(() => {});
      await proc.waitForMsg("slow request started");
      const sent = proc.signal("SIGTERM");

      await proc.waitForMsg("[HTTP] stop called");
      assert.equal((await dial(p.grpc))?.code, "ECONNREFUSED", "a new gRPC connection while the call is in flight");
      assert.equal((await dial(p.http))?.code, "ECONNREFUSED", "a new HTTP connection while the call is in flight");

      const r = await reply;
      assert.equal(r.reply.transport, "grpc");
      assert.equal(r.reply.operation, "/echo.v1.Echo/Fail");
      const exit = await proc.exited;
      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, proc.transcript());
      assert.equal(proc.stderr, "");
      assert.deepEqual(proc.messages(), [...stopPrefix(proc, p), "slow request finished", "slow-app exiting"], proc.transcript());
      assert.ok(exit.at - sent < stopTimeout + 1000, `exited ${Math.round(exit.at - sent)}ms after SIGTERM`);
      assert.ok(exit.at - r.at < 1000, `exited ${Math.round(exit.at - r.at)}ms after the reply: it should not wait out the stop timeout`);
    } finally {
      client.close();
    }
  });
});

/**
 * assertForcedStop checks a stop that the 300ms stop timeout forced: a WARN from the server naming the one request
 * it cut, then exit 1 soon after with one line on stderr, as Kratos's Run returns the stop's DeadlineExceeded.
 */
async function assertForcedStop(proc: ChildProc, p: { http: number; grpc: number }, sent: number, tag: string): Promise<void> {
  const exit = await proc.exited;
  assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 1, signal: null }, proc.transcript());
  assert.equal(proc.stderr, "slow-app: stop timeout: the servers were forced down after 300 ms\n");
  const force = `${tag} server couldn't stop gracefully in time, doing force stop: 1 request cut`;
  assert.deepEqual(proc.messages(), [...stopPrefix(proc, p), force], proc.transcript());
  assert.equal(levelOf(proc, force), "WARN");
  const elapsed = exit.at - sent;
  assert.ok(elapsed >= 250, `exited ${Math.round(elapsed)}ms after SIGTERM: before the 300ms stop timeout`);
  assert.ok(elapsed < 3000, `exited ${Math.round(elapsed)}ms after SIGTERM`);
}

describe("App: the stop timeout", () => {
  it("HTTP: a request longer than the stop timeout is dropped, with a WARN counting it, and the process exits 1", T, async () => {
    const { proc, p } = await startSlow("300ms");
    const reply = patchSlow(p.http, "5s");
    reply.catch(() => {});
    await proc.waitForMsg("slow request started");
    const sent = proc.signal("SIGTERM");

    const err = (await reply.then(
      (r) => assert.fail(`the request completed: ${JSON.stringify(r)}`),
      (e: unknown) => e,
    )) as NodeJS.ErrnoException;
    assert.equal(err.code, "ECONNRESET", String(err));
    assert.equal(err.message, "socket hang up");

    await assertForcedStop(proc, p, sent, "[HTTP]");
  });

  it("gRPC: a call longer than the stop timeout is cut, with a WARN counting it, and the process exits 1", T, async () => {
    const { proc, p } = await startSlow("300ms");
    const client = new EchoClient(`127.0.0.1:${p.grpc}`, credentials.createInsecure());
    try {
      const reply = failSlow(client, 5n);
      reply.catch(() => {});
      await proc.waitForMsg("slow request started");
      const sent = proc.signal("SIGTERM");

      const err = (await reply.then(
        (r) => assert.fail(`the call completed: ${JSON.stringify(r)}`),
        (e: unknown) => e,
      )) as ServiceError;
      // A force stop answers calls still in flight UNAVAILABLE, which clients retry, as grpc-go's Stop does.
      assert.equal(err.code, status.UNAVAILABLE, String(err));
      assert.equal(err.details, "server is shutting down");

      await assertForcedStop(proc, p, sent, "[gRPC]");
    } finally {
      client.close();
    }
  });
});

describe("App: a second signal", () => {
  it("a second SIGTERM during a slow stop exits 1 at once", T, async () => {
    const { proc, p } = await startSlow("10s");
    const reply = patchSlow(p.http, "5s");
    reply.catch(() => {});
    await proc.waitForMsg("slow request started");
    proc.signal("SIGTERM");
    await proc.waitForMsg("[HTTP] stop called");
    const second = proc.signal("SIGTERM");

    const exit = await proc.exited;
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 1, signal: null }, proc.transcript());
    const elapsed = exit.at - second;
    assert.ok(elapsed < 1000, `exited ${Math.round(elapsed)}ms after the second SIGTERM`);
    assert.equal(proc.stderr, "");
    const again = "received SIGTERM again, exiting at once";
    assert.deepEqual(proc.messages(), [...stopPrefix(proc, p), again], proc.transcript());
    assert.equal(levelOf(proc, again), "WARN");
    await assert.rejects(reply, { code: "ECONNRESET" });
  });
});
