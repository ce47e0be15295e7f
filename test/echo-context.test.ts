import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { credentials } from "@grpc/grpc-js";
import { createContextKey } from "@kratos-ts/kratos/context";
import { newLogger } from "@kratos-ts/kratos/log";
import type { Middleware } from "@kratos-ts/kratos/middleware";
import { LogCapture } from "@kratos-ts/kratos/testing";
import { EchoClient } from "./api/echo/v1/echo_grpc.js";
import { Echo, type EchoReply, EchoRequestSchema } from "./api/echo/v1/echo_pb.js";
import { type EchoServers, startEchoServers } from "./support/echo.js";
import { call } from "./support/grpc.js";

const SEEN_BY = createContextKey<string[]>([], { description: "middleware that saw the request" });

// Each middleware adds its name to the request's list, so the handler's context shows the chain ran in order.
const mark =
  (name: string): Middleware =>
  (next) =>
  (ctx, req) => {
    ctx.values.set(SEEN_BY, [...ctx.values.get(SEEN_BY), `${name}:${ctx.method.name}`]);
    return next(ctx, req);
  };

describe("the Context a handler gets, on both transports", () => {
  let s: EchoServers;
  let client: InstanceType<typeof EchoClient>;

  before(async () => {
    s = await startEchoServers(newLogger({ id: "t", name: "echo", version: "t", destination: new LogCapture() }), {
      middleware: [mark("outer"), mark("inner")],
    });
    client = new EchoClient(s.grpcAddress, credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await s.stop();
  });

  it("gRPC: carries the method descriptor and the values middleware set", async () => {
    await call<EchoReply>((cb) => client.get(create(EchoRequestSchema, { id: 1n }), cb));
    const ctx = s.echo.contexts.at(-1);
    assert.equal(ctx?.kind, "grpc");
    assert.equal(ctx?.method, Echo.method.get);
    assert.equal(ctx?.method.input, EchoRequestSchema);
    assert.equal(ctx?.operation, "/echo.v1.Echo/Get");
    assert.deepEqual(ctx?.values.get(SEEN_BY), ["outer:Get", "inner:Get"]);
  });

  it("HTTP: carries the method descriptor and the values middleware set", async () => {
    const res = await fetch(`${s.httpURL}/v1/echo/1`);
    assert.equal(res.status, 200);
    const ctx = s.echo.contexts.at(-1);
    assert.equal(ctx?.kind, "http");
    assert.equal(ctx?.method, Echo.method.get);
    assert.equal(ctx?.operation, "/echo.v1.Echo/Get");
    assert.deepEqual(ctx?.values.get(SEEN_BY), ["outer:Get", "inner:Get"]);
  });
});
