import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, createFileRegistry, type DescMessage, type DescMethod, fromJson, type JsonObject, type Message } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, file_google_protobuf_descriptor } from "@bufbuild/protobuf/wkt";
import { KratosError } from "../errors/errors.js";
import { newLogger } from "../log/logger.js";
import { testContext } from "../testing/context.js";
import { LogCapture } from "../testing/logs.js";
import { ACCESS_MSG, logging, MAX_ARGS_CHARS, REDACTED } from "./logging.js";
import { chain } from "./middleware.js";
import { recovery } from "./recovery.js";

// A request with redacted fields at every depth: top level, in a message, in a list, in a map value, and in a recursive message.
const field = (name: string, number: number, type: string, more: JsonObject = {}): JsonObject => ({
  name,
  number,
  type: `TYPE_${type}`,
  label: "LABEL_OPTIONAL",
  jsonName: name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
  ...more,
});
const redacted = { options: { debugRedact: true } };
const proto = fromJson(FileDescriptorProtoSchema, {
  name: "probe.proto",
  package: "probe",
  syntax: "proto3",
  dependency: ["google/protobuf/descriptor.proto"],
  messageType: [
    {
      name: "Req",
      field: [
        field("user_name", 1, "STRING"),
        field("password", 2, "STRING", redacted),
        field("card", 3, "MESSAGE", { typeName: ".probe.Card" }),
        field("cards", 4, "MESSAGE", { typeName: ".probe.Card", label: "LABEL_REPEATED" }),
        field("by_name", 5, "MESSAGE", { typeName: ".probe.Req.ByNameEntry", label: "LABEL_REPEATED" }),
        field("node", 6, "MESSAGE", { typeName: ".probe.Node" }),
        field("plain", 7, "MESSAGE", { typeName: ".probe.Plain" }),
        field("pin", 8, "INT64", redacted),
      ],
      nestedType: [
        {
          name: "ByNameEntry",
          field: [field("key", 1, "STRING"), field("value", 2, "MESSAGE", { typeName: ".probe.Card" })],
          options: { mapEntry: true },
        },
      ],
    },
    { name: "Card", field: [field("last4", 1, "STRING"), field("number", 2, "STRING", redacted)] },
    { name: "Node", field: [field("name", 1, "STRING"), field("secret", 2, "STRING", redacted), field("child", 3, "MESSAGE", { typeName: ".probe.Node" })] },
    { name: "Plain", field: [field("note", 1, "STRING")] },
    { name: "Reply" },
  ],
  service: [{ name: "Probe", method: [{ name: "Call", inputType: ".probe.Req", outputType: ".probe.Reply" }] }],
});
const registry = createFileRegistry(proto, (name) => (name === "google/protobuf/descriptor.proto" ? file_google_protobuf_descriptor : undefined));
const call = registry.getService("probe.Probe")?.methods[0] as DescMethod;
const Req = registry.getMessage("probe.Req") as DescMessage;
const req = (init: Record<string, unknown>) => create(Req, init) as Message;

const base = { id: "host", name: "helloworld", version: "1.2.3" };

/** serve runs one call of handler through [recovery, logging] and returns what it logged. */
async function serve(handler: () => Promise<unknown>, request: Message = req({ userName: "kratos" }), kind: "http" | "grpc" = "grpc") {
  const logs = new LogCapture();
  const logger = newLogger({ ...base, destination: logs });
  const h = chain(recovery(logger), logging(logger))(handler);
  const result = await h(testContext({ method: call, kind }), request).then(
    (reply) => ({ reply }),
    (err: unknown) => ({ err }),
  );
  return { logs, result, access: logs.lines.filter((l) => l.kind === "server") };
}

describe("the logging middleware", () => {
  it("logs one INFO line with the Kratos fields on success, latency in seconds", async () => {
    const { access, result, logs } = await serve(async () => "reply", req({ userName: "kratos" }), "http");
    assert.deepEqual(result, { reply: "reply" });
    assert.equal(logs.lines.length, 1);
    const line = access[0] as Record<string, unknown>;
    assert.deepEqual(Object.keys(line), [
      "level",
      "ts",
      "service.id",
      "service.name",
      "service.version",
      "trace.id",
      "span.id",
      "kind",
      "component",
      "operation",
      "args",
      "code",
      "reason",
      "latency",
      "msg",
    ]);
    assert.equal(typeof line.latency, "number");
    assert.ok((line.latency as number) >= 0 && (line.latency as number) < 1, String(line.latency));
    assert.deepEqual(
      { ...line, ts: undefined, latency: undefined },
      {
        level: "INFO",
        ts: undefined,
        "service.id": "host",
        "service.name": "helloworld",
        "service.version": "1.2.3",
        "trace.id": "",
        "span.id": "",
        kind: "server",
        component: "http",
        operation: "/probe.Probe/Call",
        args: { userName: "kratos" },
        code: 200,
        reason: "",
        latency: undefined,
        msg: ACCESS_MSG,
      },
    );
  });

  it("measures the latency of the handler", async () => {
    const { access } = await serve(() => new Promise((resolve) => setTimeout(resolve, 50)));
    const latency = access[0]?.latency as number;
    assert.ok(latency >= 0.045 && latency < 1, String(latency));
  });

  it("logs a KratosError below 500 at ERROR with its code and reason and no err", async () => {
    const { access, result } = await serve(async () => {
      throw new KratosError(404, "USER_NOT_FOUND", "user not found");
    });
    assert.ok((result as { err: unknown }).err instanceof KratosError);
    assert.equal(access.length, 1);
    const { ts, latency, ...rest } = access[0] as Record<string, unknown>;
    assert.equal(typeof latency, "number");
    assert.deepEqual(rest, {
      level: "ERROR",
      "service.id": "host",
      "service.name": "helloworld",
      "service.version": "1.2.3",
      "trace.id": "",
      "span.id": "",
      kind: "server",
      component: "grpc",
      operation: "/probe.Probe/Call",
      args: { userName: "kratos" },
      code: 404,
      reason: "USER_NOT_FOUND",
      msg: ACCESS_MSG,
    });
  });

  it("logs a 5xx KratosError with err and its stack", async () => {
    const { access } = await serve(async () => {
      throw new KratosError(503, "DOWN", "database down");
    });
    const line = access[0] as Record<string, unknown> & { err?: { message: string; stack: string } };
    assert.deepEqual([line.level, line.code, line.reason, line.err?.message], ["ERROR", 503, "DOWN", "database down"]);
    assert.match(line.err?.stack ?? "", /logging\.test\.(js|ts):\d+/);
  });

  it("logs a handler's bug as 500 UNKNOWN with the bug's stack; recovery logs its own line and replies 500", async () => {
    const { access, result, logs } = await serve(async () => {
      throw new TypeError("secret internal detail");
    });
    const err = (result as { err: unknown }).err;
    assert.ok(err instanceof KratosError);
    assert.deepEqual(err.toStatus(), { code: 500, reason: "UNKNOWN", message: "unknown request error", metadata: {} });
    assert.equal(access.length, 1);
    const line = access[0] as Record<string, unknown> & { err?: { type: string; message: string; stack: string } };
    assert.deepEqual([line.level, line.code, line.reason, line.err?.type, line.err?.message], ["ERROR", 500, "UNKNOWN", "TypeError", "secret internal detail"]);
    assert.match(line.err?.stack ?? "", /^TypeError: secret internal detail\n/);
    assert.deepEqual(logs.messages(), [ACCESS_MSG, "panic recovered: secret internal detail"]);
  });

  it("replaces every field marked debug_redact with [REDACTED], at any depth, and leaves the request as it was", async () => {
    const request = req({
      userName: "kratos",
      password: "hunter2",
      pin: 1234n,
      card: { last4: "4242", number: "4242424242424242" },
      cards: [{ last4: "1111", number: "4111111111111111" }, { last4: "0000" }],
      byName: { main: { last4: "5555", number: "5555555555554444" } },
      node: { name: "a", secret: "s1", child: { name: "b", secret: "s2", child: { name: "c", secret: "s3" } } },
      plain: { note: "kept" },
    });
    const { access } = await serve(async () => "reply", request);
    assert.deepEqual(access[0]?.args, {
      userName: "kratos",
      password: REDACTED,
      card: { last4: "4242", number: REDACTED },
      cards: [{ last4: "1111", number: REDACTED }, { last4: "0000" }],
      byName: { main: { last4: "5555", number: REDACTED } },
      node: { name: "a", secret: REDACTED, child: { name: "b", secret: REDACTED, child: { name: "c", secret: REDACTED } } },
      plain: { note: "kept" },
      pin: REDACTED,
    });
    assert.equal((request as unknown as { password: string }).password, "hunter2");
    assert.equal(REDACTED, "[REDACTED]");
  });

  it("cuts the args of a request larger than MAX_ARGS_CHARS, on success and on error alike", async () => {
    const name = "n".repeat(10_000);
    const whole = JSON.stringify({ userName: name });
    const cutTo = `${whole.slice(0, MAX_ARGS_CHARS)}... (${whole.length} characters)`;
    const ok = await serve(async () => "reply", req({ userName: name }), "http");
    assert.equal(ok.access[0]?.args, cutTo);
    const failed = await serve(async () => Promise.reject(new KratosError(404, "NOT_FOUND", "none")), req({ userName: name }), "http");
    assert.equal(failed.access[0]?.args, cutTo);
    const small = await serve(async () => "reply", req({ userName: "n".repeat(100) }), "http");
    assert.deepEqual(small.access[0]?.args, { userName: "n".repeat(100) });
  });

  it("omits an unset redacted field, as proto3 JSON does", async () => {
    const { access } = await serve(async () => "reply", req({ userName: "kratos", card: { last4: "4242" } }));
    assert.deepEqual(access[0]?.args, { userName: "kratos", card: { last4: "4242" } });
  });

  it("writes nothing below its level and still serves", async () => {
    const logs = new LogCapture();
    const logger = newLogger({ ...base, destination: logs, level: "warn" });
    const h = logging(logger)(async () => "reply");
    assert.equal(await h(testContext({ method: call }), req({})), "reply");
    assert.deepEqual(logs.lines, []);
  });
});
