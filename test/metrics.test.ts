import "reflect-metadata";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import type { Registry } from "prom-client";
import type { GreeterClient } from "../api/helloworld/v1/greeter_grpc.js";
import { HelloRequestSchema } from "../api/helloworld/v1/greeter_pb.js";
import { METRICS_REGISTRY } from "../internal/server/metrics.js";
import { type RunningApp, startApp } from "./support/app.js";
import { call, callError } from "./support/grpc.js";
import { type Sample, samples, value } from "./support/metrics.js";
import { findTool } from "./support/tools.js";

const promparse = findTool("promparse");
if (!promparse) console.log("notice: promparse not built (no Go on this machine, or make tools not run); the metrics are not checked by Prometheus's parser");

const SAY_HELLO = "/helloworld.v1.Greeter/SayHello";
const GET_GREETER = "/helloworld.v1.Greeter/GetGreeter";

/** parse runs Prometheus's own text parser (expfmt) over text; it resolves with the metric families by name. */
function parse(text: string): Promise<Record<string, { type: string; metrics: Array<{ labels: Record<string, string>; value: string }> }>> {
  return new Promise((resolve, reject) => {
    const child = execFile(promparse as string, [], { timeout: 10_000, encoding: "utf8", maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`promparse: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout));
    });
    child.stdin?.end(text);
  });
}

async function scrape(running: RunningApp, path = "/metrics"): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${running.httpURL}${path}`);
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

describe("Prometheus metrics over real sockets", () => {
  const N = 5;
  const M = 3;
  let running: RunningApp;
  let client: InstanceType<typeof GreeterClient>;
  let text: string;
  let all: Sample[];

  before(async () => {
    running = await startApp();
    client = running.client;
    for (let i = 0; i < N; i++) assert.equal((await fetch(`${running.httpURL}/helloworld/http${i}`)).status, 200);
    for (let i = 0; i < M; i++) await call((cb) => client.sayHello(create(HelloRequestSchema, { name: `grpc${i}` }), cb));
    const notFound = await fetch(`${running.httpURL}/v1/greeters/999`);
    assert.equal(notFound.status, 404);
    assert.equal(((await notFound.json()) as { reason: string }).reason, "USER_NOT_FOUND");
    const invalid = await callError((cb) => client.sayHello(create(HelloRequestSchema, { name: "x".repeat(129) }), cb));
    assert.equal(invalid.code, status.INVALID_ARGUMENT);
    const scraped = await scrape(running);
    assert.equal(scraped.status, 200);
    assert.equal(scraped.type, "text/plain; version=0.0.4; charset=utf-8");
    text = scraped.text;
    all = samples(text);
  });

  after(async () => {
    await running.stop();
  });

  it("counts each request by kind, operation, code and reason, exactly", () => {
    assert.deepEqual(
      all.filter((s) => s.name === "server_requests_code_total").sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      [
        { name: "server_requests_code_total", labels: { kind: "grpc", operation: SAY_HELLO, code: "200", reason: "" }, value: M },
        { name: "server_requests_code_total", labels: { kind: "grpc", operation: SAY_HELLO, code: "400", reason: "VALIDATOR" }, value: 1 },
        { name: "server_requests_code_total", labels: { kind: "http", operation: GET_GREETER, code: "404", reason: "USER_NOT_FOUND" }, value: 1 },
        { name: "server_requests_code_total", labels: { kind: "http", operation: SAY_HELLO, code: "200", reason: "" }, value: N },
      ],
    );
  });

  it("times each request in server_requests_seconds, with buckets from 5 ms to 10 s", () => {
    assert.equal(value(all, "server_requests_seconds_count", { kind: "http", operation: SAY_HELLO }), N);
    assert.equal(value(all, "server_requests_seconds_count", { kind: "grpc", operation: SAY_HELLO }), M + 1);
    assert.equal(value(all, "server_requests_seconds_count", { kind: "http", operation: GET_GREETER }), 1);
    const les = all
      .filter((s) => s.name === "server_requests_seconds_bucket" && s.labels.kind === "http" && s.labels.operation === SAY_HELLO)
      .map((s) => s.labels.le);
    assert.deepEqual(les, ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]);
    assert.equal(value(all, "server_requests_seconds_bucket", { kind: "http", operation: SAY_HELLO, le: "+Inf" }), N);
    const sum = value(all, "server_requests_seconds_sum", { kind: "http", operation: SAY_HELLO }) as number;
    assert.ok(sum > 0 && sum < N * 1, `sum ${sum}`);
  });

  it("has nothing in flight once the requests are answered", () => {
    const inFlight = all.filter((s) => s.name === "server_requests_in_flight");
    assert.equal(inFlight.length, 3, text);
    for (const s of inFlight) assert.equal(s.value, 0, JSON.stringify(s));
  });

  it("has the process and Node runtime metrics, event-loop lag among them", () => {
    for (const name of [
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
      "nodejs_eventloop_lag_seconds",
      "nodejs_eventloop_lag_p99_seconds",
      "nodejs_heap_size_used_bytes",
    ]) {
      assert.ok(
        all.some((s) => s.name === name),
        `${name} missing`,
      );
    }
  });

  it("has no database pool metrics on SQLite, which has no pool", () => {
    assert.equal(text.includes("db_pool_connections"), false);
  });

  it("parses with Prometheus's own text parser, with the same counts", { skip: promparse ? false : "promparse not built" }, async () => {
    const families = await parse(text);
    assert.equal(families.server_requests_code_total?.type, "COUNTER");
    assert.equal(families.server_requests_seconds?.type, "HISTOGRAM");
    assert.equal(families.server_requests_in_flight?.type, "GAUGE");
    assert.equal(families.nodejs_eventloop_lag_seconds?.type, "GAUGE");
    const counts = (families.server_requests_code_total?.metrics ?? []).map((m) => `${JSON.stringify(Object.entries(m.labels).sort())} ${m.value}`).sort();
    const want = (kind: string, operation: string, code: string, reason: string, n: number) =>
      `${JSON.stringify(Object.entries({ kind, operation, code, reason }).sort())} ${n}`;
    assert.deepEqual(
      counts,
      [
        want("grpc", SAY_HELLO, "200", "", M),
        want("grpc", SAY_HELLO, "400", "VALIDATOR", 1),
        want("http", GET_GREETER, "404", "USER_NOT_FOUND", 1),
        want("http", SAY_HELLO, "200", "", N),
      ].sort(),
    );
    const histogram = (families.server_requests_seconds?.metrics ?? []).map((m) => `${m.labels.kind} ${m.labels.operation} ${m.value}`).sort();
    assert.deepEqual(histogram, [`grpc ${SAY_HELLO} ${M + 1}`, `http ${GET_GREETER} 1`, `http ${SAY_HELLO} ${N}`]);
    // Every sample line of the scrape is one of the parser's metrics (a histogram's lines are one metric each).
    const histogramLines = all.filter((s) => /_(bucket|sum|count)$/.test(s.name) && families[s.name.replace(/_(bucket|sum|count)$/, "")]?.type === "HISTOGRAM");
    const parsed = Object.values(families).reduce((n, f) => n + (f.type === "HISTOGRAM" ? 0 : f.metrics.length), 0);
    assert.equal(parsed, all.length - histogramLines.length);
  });

  it("is no RPC: a scrape is not counted", async () => {
    const again = samples((await scrape(running)).text);
    assert.equal(
      again.filter((s) => s.name === "server_requests_code_total").reduce((n, s) => n + s.value, 0),
      N + M + 2,
    );
  });
});

describe("the metrics path", () => {
  it("follows server.http.metrics_path", async () => {
    const running = await startApp({ server: { http: { addr: "127.0.0.1:0", metrics_path: "/internal/prom" } } });
    try {
      assert.equal((await scrape(running, "/internal/prom")).status, 200);
      assert.equal((await scrape(running, "/metrics")).status, 404);
    } finally {
      await running.stop();
    }
  });

  it("is off when server.http.metrics_path is empty: nothing served, and no call counted or timed", async () => {
    const running = await startApp({ server: { http: { addr: "127.0.0.1:0", metrics_path: "" } } });
    try {
      assert.equal((await scrape(running, "/metrics")).status, 404);
      assert.equal((await fetch(`${running.httpURL}/helloworld/uncounted`)).status, 200);
      const kept = samples(await running.container.resolve<Registry>(METRICS_REGISTRY).metrics());
      assert.deepEqual(
        kept.filter((s) => s.name.startsWith("server_requests")),
        [],
      );
    } finally {
      await running.stop();
    }
  });
});

const postgres = process.env.TEST_POSTGRES_URL;

describe("database pool metrics", { skip: postgres ? false : "TEST_POSTGRES_URL not set" }, () => {
  it("reports the PostgreSQL pool's connections by state", async () => {
    const running = await startApp({ data: { database: { driver: "postgres", source: postgres } } });
    try {
      assert.equal((await fetch(`${running.httpURL}/helloworld/pool`)).status, 200);
      const all = samples((await scrape(running)).text);
      const total = value(all, "db_pool_connections", { state: "total" }) as number;
      assert.ok(total >= 1 && total <= 10, `total ${total}`);
      assert.equal(value(all, "db_pool_connections", { state: "idle" }), total);
      assert.equal(value(all, "db_pool_connections", { state: "waiting" }), 0);
    } finally {
      await running.stop();
    }
  });
});

const mysql = process.env.TEST_MYSQL_URL;

describe("database pool metrics on MySQL", { skip: mysql ? false : "TEST_MYSQL_URL not set" }, () => {
  it("reports none: mysql2's pool does not count its connections publicly", async () => {
    const running = await startApp({ data: { database: { driver: "mysql", source: mysql } } });
    try {
      assert.equal((await fetch(`${running.httpURL}/helloworld/pool`)).status, 200);
      const scraped = await scrape(running);
      assert.equal(scraped.status, 200);
      assert.equal(scraped.text.includes("db_pool_connections"), false);
    } finally {
      await running.stop();
    }
  });
});
