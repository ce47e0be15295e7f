import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { credentials, Metadata, status } from "@grpc/grpc-js";
import { newLogger } from "@kratos-ts/kratos/log";
import { LogCapture } from "@kratos-ts/kratos/testing";
import { EchoClient } from "./api/echo/v1/echo_grpc.js";
import { type EchoReply, FailRequestSchema } from "./api/echo/v1/echo_pb.js";
import { type EchoServers, startEchoServers } from "./support/echo.js";
import { call, callError } from "./support/grpc.js";

describe("request and reply headers on both transports", () => {
  const logs = new LogCapture();
  let s: EchoServers;
  let client: InstanceType<typeof EchoClient>;

  before(async () => {
    s = await startEchoServers(newLogger({ id: "t", name: "echo", version: "t", destination: logs }));
    client = new EchoClient(s.grpcAddress, credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await s.stop();
  });

  const fail = (mode: string, md = new Metadata()) => {
    let reply: Metadata | undefined;
    const done = call<EchoReply>((cb) => client.fail(create(FailRequestSchema, { mode }), md, cb).on("metadata", (m) => (reply = m)));
    return done.then((r) => ({ reply: r, metadata: reply }));
  };

  it("gRPC: request metadata keeps every value of a repeated key, and every binary entry, base64 in the Header", async () => {
    const md = new Metadata();
    md.add("x-many", "a");
    md.add("x-many", "b");
    md.add("x-raw-bin", Buffer.from([0, 1, 2, 255]));
    md.add("x-raw-bin", Buffer.from([9]));
    await fail("header", md);
    const header = s.echo.contexts.at(-1)?.requestHeader;
    // Node's HTTP/2 layer joins repeated text values into one, as HTTP allows; binary ones grpc-js splits again.
    assert.deepEqual(header?.values("x-many"), ["a, b"]);
    assert.deepEqual(header?.values("x-raw-bin"), ["AAEC/w==", "CQ=="]);
    assert.deepEqual(header?.binaryValues("x-raw-bin"), [new Uint8Array([0, 1, 2, 255]), new Uint8Array([9])]);
  });

  it("gRPC: a reply header ending in -bin is sent as binary metadata", async () => {
    const { reply, metadata } = await fail("header-bin");
    assert.equal(reply.transport, "grpc");
    assert.deepEqual(metadata?.get("x-echo-bin"), [Buffer.from([0, 1, 254, 255])]);
  });

  it("gRPC: a reply header that cannot be sent becomes INTERNAL, logged, never a hung call", async () => {
    const started = Date.now();
    const err = await callError<EchoReply>((cb) =>
      client.fail(create(FailRequestSchema, { mode: "bad-header" }), new Metadata(), { deadline: Date.now() + 5000 }, cb),
    );
    assert.equal(err.code, status.INTERNAL);
    assert.equal(err.details, "unknown request error");
    assert.ok(Date.now() - started < 2000, "answered long before the client's deadline");
    const line = await logs.waitFor((l) => l.kind === "grpc" && l.operation === "/echo.v1.Echo/Fail" && l.msg.startsWith("panic recovered:"));
    assert.equal(line.level, "ERROR");
    assert.equal(line.msg, 'panic recovered: reply header x-echo: Metadata string value "line\nbreak" contains illegal characters');
  });

  it("HTTP: a binary reply header is sent base64-encoded, as it travels in HTTP/2 metadata", async () => {
    const res = await fetch(`${s.httpURL}/v1/fail/header-bin`, { method: "PATCH", body: "{}", headers: { "content-type": "application/json" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-echo-bin"), "AAH+/w==");
  });

  it("HTTP: a reply header that cannot be sent becomes 500 UNKNOWN", async () => {
    const res = await fetch(`${s.httpURL}/v1/fail/bad-header`, { method: "PATCH", body: "{}", headers: { "content-type": "application/json" } });
    assert.equal(res.status, 500);
    assert.equal(await res.text(), '{"code":500,"reason":"UNKNOWN","message":"unknown request error","metadata":{}}');
  });

  it("HTTP: repeated request headers reach the handler as separate values", async () => {
    const headers = new Headers({ "content-type": "application/json" });
    headers.append("x-many", "a");
    headers.append("x-many", "b");
    await fetch(`${s.httpURL}/v1/fail/header`, { method: "PATCH", body: "{}", headers });
    // fetch joins repeated values with ", " into one line, as HTTP allows; the Header keeps what arrived.
    assert.deepEqual(s.echo.contexts.at(-1)?.requestHeader.values("x-many"), ["a, b"]);
  });
});
