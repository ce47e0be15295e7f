import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, fromBinary } from "@bufbuild/protobuf";
import { type ServiceError, status } from "@grpc/grpc-js";
import type { GreeterClient } from "../api/helloworld/v1/greeter_grpc.js";
import { type HelloReply, HelloReplySchema, HelloRequestSchema } from "../api/helloworld/v1/greeter_pb.js";
import { type RunningApp, startApp } from "./support/app.js";
import { call, callError } from "./support/grpc.js";
import { rawRequest } from "./support/http.js";

describe("the helloworld app over real sockets", () => {
  let running: RunningApp;
  let client: InstanceType<typeof GreeterClient>;

  before(async () => {
    running = await startApp();
    client = running.client;
  });

  after(async () => {
    await running.stop();
  });

  it("answers GET /helloworld/kratos with the Kratos body and headers", async () => {
    const res = await fetch(`${running.httpURL}/helloworld/kratos`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.equal(res.headers.get("x-powered-by"), null);
    assert.equal(await res.text(), '{"message":"Hello kratos"}');
  });

  it("decodes the path variable and lets it win over the query", async () => {
    const res = await fetch(`${running.httpURL}/helloworld/hello%20world?name=other`);
    assert.equal(await res.text(), '{"message":"Hello hello world"}');
  });

  it("answers Accept: application/proto with binary protobuf labelled application/proto, as a Kratos client decodes it", async () => {
    const res = await fetch(`${running.httpURL}/helloworld/kratos`, { headers: { accept: "application/proto" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/proto");
    assert.equal(fromBinary(HelloReplySchema, new Uint8Array(await res.arrayBuffer())).message, "Hello kratos");
  });

  it("answers Accept: application/yaml in YAML", async () => {
    const res = await fetch(`${running.httpURL}/helloworld/kratos`, { headers: { accept: "application/yaml" } });
    assert.equal(res.headers.get("content-type"), "application/yaml");
    assert.equal(await res.text(), "message: Hello kratos\n");
  });

  it("moves a trailing slash and an unclean path with 301, as Go Kratos, keeping the query", async () => {
    for (const [path, location] of [
      ["/helloworld/kratos/", "/helloworld/kratos"],
      ["/helloworld/kratos/?name=x", "/helloworld/kratos?name=x"],
      ["//helloworld//kratos", "/helloworld/kratos"],
      ["/helloworld/./kratos", "/helloworld/kratos"],
      ["/x/../helloworld/kratos", "/helloworld/kratos"],
    ]) {
      const res = await rawRequest(running.httpURL, "GET", path as string);
      assert.equal(res.status, 301, path);
      assert.equal(res.headers.location, location);
      assert.equal(res.body.length, 0);
    }
  });

  it("serves an absolute-form target by its path, and answers one no URL parser reads with 400 in the Kratos error JSON", async () => {
    const served = await rawRequest(running.httpURL, "GET", "http://example.com/helloworld/absolute?x=1");
    assert.equal(served.status, 200);
    assert.equal(served.body.toString(), '{"message":"Hello absolute"}');
    for (const target of ["http://[::1/helloworld/x", "http://[::1]:x/helloworld/x", "https://x:99999/helloworld/a"]) {
      const res = await rawRequest(running.httpURL, "GET", target);
      assert.equal(res.status, 400, target);
      assert.equal(res.headers["content-type"], "application/json");
      assert.deepEqual(JSON.parse(res.body.toString()), {
        code: 400,
        reason: "BAD_REQUEST",
        message: `invalid request target ${JSON.stringify(target)}`,
        metadata: {},
      });
    }
  });

  it("answers /helloworld and /helloworld/ with 404, as Go Kratos (in the Kratos error JSON)", async () => {
    for (const path of ["/helloworld", "/helloworld/"]) {
      const res = await fetch(`${running.httpURL}${path}`);
      assert.equal(res.status, 404);
      assert.equal(await res.text(), `{"code":404,"reason":"NOT_FOUND","message":"no route matches GET ${path}","metadata":{}}`);
    }
  });

  it("answers SayHello over gRPC", async () => {
    const reply = await call<HelloReply>((cb) => client.sayHello(create(HelloRequestSchema, { name: "kratos" }), cb));
    assert.equal(reply.message, "Hello kratos");
  });

  it('refuses an empty name over gRPC with INVALID_ARGUMENT, where the Go original, which has no rules, said "Hello "', async () => {
    const err = await callError<HelloReply>((cb) => client.sayHello(create(HelloRequestSchema, {}), cb));
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.equal(err.details, "invalid HelloRequest.name: must be at least 1 characters");
  });

  it("logs CreateGreeter with the Kratos fields for each call", async () => {
    await fetch(`${running.httpURL}/helloworld/logcheck`);
    const line = await running.logs.waitFor((l) => l.msg === "CreateGreeter: logcheck");
    assert.deepEqual(Object.keys(line), ["level", "ts", "service.id", "service.name", "service.version", "trace.id", "span.id", "msg"]);
    assert.equal(line.level, "INFO");
    assert.match(String(line.ts), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(line["service.name"], "helloworld");
    // The request's new trace and its server span, on the access line too.
    assert.match(`${line["trace.id"]} ${line["span.id"]}`, /^[0-9a-f]{32} [0-9a-f]{16}$/);
    const access = await running.logs.waitFor((l) => l.msg === "access" && (l.args as { name?: string }).name === "logcheck");
    assert.deepEqual([access["trace.id"], access["span.id"]], [line["trace.id"], line["span.id"]]);
  });

  it("answers an unknown route with 404 in the Kratos error JSON", async () => {
    const res = await fetch(`${running.httpURL}/nope`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.equal(await res.text(), '{"code":404,"reason":"NOT_FOUND","message":"no route matches GET /nope","metadata":{}}');
  });

  it("answers a wrong method with 405 and an Allow header", async () => {
    const res = await fetch(`${running.httpURL}/helloworld/kratos`, { method: "POST", body: "{}" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "GET, HEAD");
    assert.equal(await res.text(), '{"code":405,"reason":"METHOD_NOT_ALLOWED","message":"method POST is not allowed on /helloworld/kratos","metadata":{}}');
  });

  it("refuses an unknown gRPC method with UNIMPLEMENTED", async () => {
    const err = await new Promise<ServiceError>((resolve) => {
      client.makeUnaryRequest(
        "/helloworld.v1.Greeter/Nope",
        () => Buffer.alloc(0),
        (b) => b,
        {},
        (e) => resolve(e as ServiceError),
      );
    });
    assert.equal(err.code, status.UNIMPLEMENTED);
  });
});
