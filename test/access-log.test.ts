// The access log (the logging middleware, log.access) over real sockets: the app's own servers, and the Echo
// service for a handler's bug, on both transports.
import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { credentials, Metadata, status } from "@grpc/grpc-js";
import { newLogger } from "@kratos-ts/kratos/log";
import { logging, tracing } from "@kratos-ts/kratos/middleware";
import { LogCapture, type LogLine, SpanCapture } from "@kratos-ts/kratos/testing";
import { SpanStatusCode } from "@opentelemetry/api";
import type { GreeterClient } from "../api/helloworld/v1/greeter_grpc.js";
import { type HelloReply, HelloRequestSchema } from "../api/helloworld/v1/greeter_pb.js";
import { EchoClient } from "./api/echo/v1/echo_grpc.js";
import { type EchoReply, FailRequestSchema } from "./api/echo/v1/echo_pb.js";
import { type RunningApp, startApp } from "./support/app.js";
import { type EchoServers, startEchoServers } from "./support/echo.js";
import { call, callError } from "./support/grpc.js";

const service = { "service.id": "test-host", "service.name": "helloworld", "service.version": "test" };

// A caller's span, as a W3C traceparent: the server's span is its child, in the same trace.
const callerTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const traceparent = `00-${callerTraceId}-00f067aa0ba902b7-01`;

/** accessLines are the lines the logging middleware wrote. */
function accessLines(logs: LogCapture): LogLine[] {
  return logs.lines.filter((l) => l.kind === "server");
}

/**
 * withoutTime drops ts and latency, after checking latency is a number of seconds ≥ 0 (and under 5 s here),
 * and the server span's id, after checking it is one: 16 hex digits, not the caller's.
 */
function withoutTime(line: LogLine | undefined): Record<string, unknown> {
  assert.ok(line, "an access line");
  const { ts, latency, "span.id": spanId, ...rest } = line;
  assert.equal(typeof ts, "string");
  assert.equal(typeof latency, "number", JSON.stringify(line));
  assert.ok((latency as number) >= 0 && (latency as number) < 5, String(latency));
  assert.match(String(spanId), /^[0-9a-f]{16}$/);
  assert.notEqual(spanId, "00f067aa0ba902b7");
  return rest;
}

/** newTrace checks a line's trace.id is a new trace's (32 hex digits, not the caller's), and returns it. */
function newTrace(line: LogLine | undefined): string {
  const id = String(line?.["trace.id"]);
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.notEqual(id, callerTraceId);
  return id;
}

describe("the access log of the helloworld app over real sockets", () => {
  let running: RunningApp;
  let client: GreeterClient;
  before(async () => {
    running = await startApp();
    client = running.client;
  });
  after(async () => {
    await running.stop();
  });

  it("SayHello over HTTP with a traceparent is exactly one INFO line with the Kratos fields, in the caller's trace", async () => {
    const before = running.logs.lines.length;
    const res = await fetch(`${running.httpURL}/helloworld/kratos`, { headers: { traceparent } });
    assert.equal(await res.text(), '{"message":"Hello kratos"}');
    const lines = running.logs.lines.slice(before);
    assert.deepEqual(
      lines.map((l) => l.msg),
      ["CreateGreeter: kratos", "access"],
    );
    assert.equal(lines[0]?.["span.id"], lines[1]?.["span.id"], "biz logs in the request's span");
    assert.deepEqual(withoutTime(lines[1]), {
      level: "INFO",
      ...service,
      "trace.id": callerTraceId,
      kind: "server",
      component: "http",
      operation: "/helloworld.v1.Greeter/SayHello",
      args: { name: "kratos" },
      code: 200,
      reason: "",
      msg: "access",
    });
  });

  it("SayHello over gRPC with a traceparent is exactly one INFO line with component grpc, in the caller's trace", async () => {
    const before = running.logs.lines.length;
    const md = new Metadata();
    md.set("traceparent", traceparent);
    const reply = await call<HelloReply>((cb) => client.sayHello(create(HelloRequestSchema, { name: "grpc" }), md, cb));
    assert.equal(reply.message, "Hello grpc");
    const lines = running.logs.lines.slice(before);
    assert.deepEqual(
      lines.map((l) => l.msg),
      ["CreateGreeter: grpc", "access"],
    );
    assert.equal(lines[0]?.["span.id"], lines[1]?.["span.id"], "biz logs in the request's span");
    assert.deepEqual(withoutTime(lines[1]), {
      level: "INFO",
      ...service,
      "trace.id": callerTraceId,
      kind: "server",
      component: "grpc",
      operation: "/helloworld.v1.Greeter/SayHello",
      args: { name: "grpc" },
      code: 200,
      reason: "",
      msg: "access",
    });
  });

  it("GET /v1/greeters/999 is one ERROR line with 404 USER_NOT_FOUND and no stack, in a new trace", async () => {
    const before = running.logs.lines.length;
    const res = await fetch(`${running.httpURL}/v1/greeters/999`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { reason: string }).reason, "USER_NOT_FOUND");
    const lines = running.logs.lines.slice(before);
    assert.equal(lines.length, 1, JSON.stringify(lines));
    assert.deepEqual(withoutTime(lines[0]), {
      level: "ERROR",
      ...service,
      "trace.id": newTrace(lines[0]),
      kind: "server",
      component: "http",
      operation: "/helloworld.v1.Greeter/GetGreeter",
      args: { id: "999" },
      code: 404,
      reason: "USER_NOT_FOUND",
      msg: "access",
    });
  });

  it("a request that breaks a validation rule is logged with the 400 VALIDATOR the client got", async () => {
    const before = running.logs.lines.length;
    const res = await fetch(`${running.httpURL}/v1/greeters/0`);
    assert.equal(res.status, 400);
    const lines = running.logs.lines.slice(before);
    assert.equal(lines.length, 1, JSON.stringify(lines));
    assert.deepEqual(withoutTime(lines[0]), {
      level: "ERROR",
      ...service,
      "trace.id": newTrace(lines[0]),
      kind: "server",
      component: "http",
      operation: "/helloworld.v1.Greeter/GetGreeter",
      args: {},
      code: 400,
      reason: "VALIDATOR",
      msg: "access",
    });
  });
});

describe("log.access: false", () => {
  it("serves with no access line", async () => {
    const running = await startApp({ log: { access: false } });
    try {
      const before = running.logs.lines.length;
      const res = await fetch(`${running.httpURL}/helloworld/quiet`);
      assert.equal(res.status, 200);
      await res.text();
      const missing = await fetch(`${running.httpURL}/v1/greeters/999`);
      assert.equal(missing.status, 404);
      await missing.text();
      assert.deepEqual(
        running.logs.lines.slice(before).map((l) => l.msg),
        ["CreateGreeter: quiet"],
      );
    } finally {
      await running.stop();
    }
  });
});

describe("the access line of a handler's bug, and of a field marked debug_redact, on both transports", () => {
  const logs = new LogCapture();
  const logger = newLogger({ id: "test-host", name: "helloworld", version: "test", destination: logs });
  const spans = new SpanCapture();
  let s: EchoServers;
  let client: EchoClient;
  before(async () => {
    s = await startEchoServers(logger, { middleware: [tracing({ tracerProvider: spans.provider }), logging(logger)] });
    client = new EchoClient(s.grpcAddress, credentials.createInsecure());
  });
  after(async () => {
    await s.stop();
  });

  const bug = (component: string, line: LogLine | undefined) => {
    const { err, ...rest } = withoutTime(line) as Record<string, unknown> & { err?: { type: string; message: string; stack: string } };
    assert.deepEqual(rest, {
      level: "ERROR",
      ...service,
      "trace.id": newTrace(line),
      kind: "server",
      component,
      operation: "/echo.v1.Echo/Fail",
      args: { mode: "panic" },
      code: 500,
      reason: "UNKNOWN",
      msg: "access",
    });
    assert.deepEqual([err?.type, err?.message], ["TypeError", "secret internal detail"]);
    assert.match(err?.stack ?? "", /^TypeError: secret internal detail\n {4}at EchoService\.fail .*support\/echo\.(js|ts):\d+/);
    // The server span failed with the code the client got, and holds the bug itself for whoever reads traces.
    const span = spans.ended().at(-1);
    assert.deepEqual(
      {
        ids: [span?.spanContext().traceId, span?.spanContext().spanId],
        name: span?.name,
        status: span?.status,
        code: span?.attributes[component === "http" ? "http.response.status_code" : "rpc.grpc.status_code"],
        errorType: span?.attributes["error.type"],
        exception: span?.events.map((e) => [e.name, e.attributes?.["exception.type"], e.attributes?.["exception.message"]]),
      },
      {
        ids: [line?.["trace.id"], line?.["span.id"]],
        name: "/echo.v1.Echo/Fail",
        status: { code: SpanStatusCode.ERROR, message: "unknown request error" },
        code: component === "http" ? 500 : status.INTERNAL,
        errorType: "UNKNOWN",
        exception: [["exception", "TypeError", "secret internal detail"]],
      },
    );
  };

  it("over HTTP: ERROR, 500 UNKNOWN, with the bug's stack; recovery's own line follows", async () => {
    const before = logs.lines.length;
    const res = await fetch(`${s.httpURL}/v1/fail/panic`, { method: "PATCH", body: "{}", headers: { "content-type": "application/json" } });
    assert.equal(res.status, 500);
    await res.text();
    const lines = logs.lines.slice(before);
    assert.deepEqual(
      lines.map((l) => l.msg),
      ["access", "panic recovered: secret internal detail"],
    );
    assert.equal(accessLines(logs).length, 1);
    bug("http", lines[0]);
  });

  it("over gRPC: the same line with component grpc", async () => {
    const before = logs.lines.length;
    const err = await callError<EchoReply>((cb) => client.fail(create(FailRequestSchema, { mode: "panic" }), cb));
    assert.equal(err.code, status.INTERNAL);
    const lines = logs.lines.slice(before);
    assert.deepEqual(
      lines.map((l) => l.msg),
      ["access", "panic recovered: secret internal detail"],
    );
    bug("grpc", lines[0]);
  });

  // FailRequest.token is declared [debug_redact = true] in echo.proto.
  const redacted = (component: string, line: LogLine | undefined) =>
    assert.deepEqual(withoutTime(line), {
      level: "INFO",
      ...service,
      "trace.id": newTrace(line),
      kind: "server",
      component,
      operation: "/echo.v1.Echo/Fail",
      args: { mode: "fast", token: "[REDACTED]" },
      code: 200,
      reason: "",
      msg: "access",
    });

  it("over HTTP: a field marked debug_redact is logged as [REDACTED]", async () => {
    const before = logs.lines.length;
    const res = await fetch(`${s.httpURL}/v1/fail/fast`, { method: "PATCH", body: '{"token":"hunter2"}', headers: { "content-type": "application/json" } });
    assert.equal(res.status, 200);
    await res.text();
    const lines = logs.lines.slice(before);
    assert.equal(lines.length, 1);
    redacted("http", lines[0]);
    assert.ok(!JSON.stringify(logs.lines).includes("hunter2"));
  });

  it("over gRPC: the same", async () => {
    const before = logs.lines.length;
    await call<EchoReply>((cb) => client.fail(create(FailRequestSchema, { mode: "fast", token: "hunter2" }), cb));
    const lines = logs.lines.slice(before);
    assert.equal(lines.length, 1);
    redacted("grpc", lines[0]);
    assert.ok(!JSON.stringify(logs.lines).includes("hunter2"));
  });
});
