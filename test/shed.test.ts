// What a shed request gets, on both servers, with a limiter that refuses everything: the Kratos error at once,
// before the service sees it, reported by its operation ("" for a path no route serves, so no client can grow the
// metrics' labels); health, plain routes and reflection are still served.
import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { credentials, type ServiceError, status } from "@grpc/grpc-js";
import { fromServiceError } from "@kratos-ts/kratos/errors";
import { Readiness } from "@kratos-ts/kratos/health";
import { newLogger } from "@kratos-ts/kratos/log";
import { LogCapture } from "@kratos-ts/kratos/testing";
import { GRPCServer } from "@kratos-ts/kratos/transport/grpc";
import { HTTPServer, serveHealth } from "@kratos-ts/kratos/transport/http";
import { GreeterClient, type GreeterServer, registerGreeterServer } from "../api/helloworld/v1/greeter_grpc.js";
import { type GreeterHTTPServer, registerGreeterHTTPServer } from "../api/helloworld/v1/greeter_http.js";
import { Greeter, HelloRequestSchema } from "../api/helloworld/v1/greeter_pb.js";
import { callError } from "./support/grpc.js";
import { check, healthClient } from "./support/health.js";

const SAY_HELLO = "/helloworld.v1.Greeter/SayHello";
const SHED_BODY = '{"code":429,"reason":"RATELIMIT","message":"service unavailable due to rate limit exceeded","metadata":{}}';

describe("shedding at the servers' edge", () => {
  const logger = newLogger({ id: "t", name: "t", version: "t", destination: new LogCapture() });
  const refuse = { allow: () => false };
  const shed = { http: [] as string[], grpc: [] as string[] };
  let served = 0;
  // Every method counts a call that reached the service, which no shed request may.
  const greeter = Object.fromEntries(
    Greeter.methods.map((m) => [
      m.localName,
      async () => {
        served++;
        throw new Error("the service was called");
      },
    ]),
  ) as unknown as GreeterServer & GreeterHTTPServer;
  const http = new HTTPServer({ address: "127.0.0.1:0", timeout: 1000, logger, limiter: refuse, onShed: (op) => shed.http.push(op) });
  const grpc = new GRPCServer({ address: "127.0.0.1:0", timeout: 1000, logger, limiter: refuse, onShed: (op) => shed.grpc.push(op) });
  let base = "";

  before(async () => {
    registerGreeterHTTPServer(http, greeter);
    serveHealth(http, new Readiness());
    registerGreeterServer(grpc, greeter);
    await Promise.all([http.start(), grpc.start()]);
    base = `http://${http.address}`;
  });
  after(async () => {
    const force = new AbortController().signal;
    await Promise.all([http.stop(force), grpc.stop(force)]);
  });

  it('HTTP: answers 429 RATELIMIT in the Kratos JSON without calling the service, by operation, and a path no route serves as ""', async () => {
    for (const path of ["/helloworld/kratos", "/no/such/route?x=1"]) {
      const res = await fetch(`${base}${path}`);
      assert.deepEqual(
        { status: res.status, type: res.headers.get("content-type"), body: await res.text() },
        {
          status: 429,
          type: "application/json",
          body: SHED_BODY,
        },
      );
    }
    assert.deepEqual(shed.http, [SAY_HELLO, ""]);
    assert.equal(served, 0);
  });

  it("HTTP: serves the routes added by handle(), such as /healthz and /readyz", async () => {
    const before = shed.http.length;
    for (const path of ["/healthz", "/readyz"]) assert.equal((await fetch(`${base}${path}`)).status, 200, path);
    assert.equal(shed.http.length, before);
  });

  it("gRPC: answers RESOURCE_EXHAUSTED with ErrorInfo reason RATELIMIT without calling the service, and still serves health", async () => {
    const client = new GreeterClient(grpc.address, credentials.createInsecure());
    const health = healthClient(grpc.address);
    try {
      const err: ServiceError = await callError((cb) => client.sayHello(create(HelloRequestSchema, { name: "kratos" }), cb));
      assert.deepEqual(
        { code: err.code, details: err.details },
        { code: status.RESOURCE_EXHAUSTED, details: "service unavailable due to rate limit exceeded" },
      );
      assert.deepEqual(fromServiceError(err), { code: 429, reason: "RATELIMIT", message: "service unavailable due to rate limit exceeded", metadata: {} });
      assert.equal(await check(health, ""), 1 /* SERVING */);
      assert.deepEqual(shed.grpc, [SAY_HELLO]);
      assert.equal(served, 0);
    } finally {
      client.close();
      health.close();
    }
  });
});
