import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { type ServiceError, status } from "@grpc/grpc-js";
import type { GreeterClient } from "../api/helloworld/v1/greeter_grpc.js";
import { type HelloReply, HelloRequestSchema } from "../api/helloworld/v1/greeter_pb.js";
import { type RunningApp, startApp } from "./support/app.js";
import { call, callError } from "./support/grpc.js";
import { proxyDatabase, type TcpProxy } from "./support/proxy.js";

const servers = [
  { driver: "postgres", url: process.env.TEST_POSTGRES_URL, env: "TEST_POSTGRES_URL" },
  { driver: "mysql", url: process.env.TEST_MYSQL_URL, env: "TEST_MYSQL_URL" },
] as const;

const deadline = '{"code":504,"reason":"DEADLINE_EXCEEDED","message":"context deadline exceeded","metadata":{}}';
const unavailable = '{"code":503,"reason":"DATABASE_UNAVAILABLE","message":"database unavailable","metadata":{}}';

for (const { driver, url, env } of servers) {
  const skip = url ? false : `${env} is not set: the ${driver} database-fault suite is skipped`;
  if (skip) console.log(`notice: ${skip}`);

  describe(`${driver} lost while the service runs`, { skip }, () => {
    let proxy: TcpProxy;
    let running: RunningApp;
    let client: GreeterClient;

    before(async () => {
      let source: string;
      ({ proxy, source } = await proxyDatabase(url ?? ""));
      // A short deadline, so that the test of a hanging database answers quickly.
      running = await startApp({ data: { database: { driver, source } }, server: { http: { timeout: "300ms" }, grpc: { timeout: "300ms" } } });
      client = running.client;
    });
    after(async () => {
      await running?.stop();
      await proxy?.cut();
    });

    const sayHello = () => fetch(`${running.httpURL}/helloworld/faults`);

    it("answers 504 at the request's deadline on both transports while the database hangs, and serves again when it answers", async () => {
      assert.equal(await (await sayHello()).text(), '{"message":"Hello faults"}');

      proxy.hold();
      const started = performance.now();
      const res = await sayHello();
      assert.deepEqual({ status: res.status, body: await res.text() }, { status: 504, body: deadline });
      const err: ServiceError = await callError<HelloReply>((cb) => client.sayHello(create(HelloRequestSchema, { name: "faults" }), cb));
      assert.deepEqual({ code: err.code, details: err.details }, { code: status.DEADLINE_EXCEEDED, details: "context deadline exceeded" });
      assert.ok(performance.now() - started < 2000, `both answered at their 300 ms deadlines, not ${Math.round(performance.now() - started)} ms`);

      proxy.release();
      const back = await sayHello();
      assert.deepEqual({ status: back.status, body: await back.text() }, { status: 200, body: '{"message":"Hello faults"}' });
    });

    it("answers 503 DATABASE_UNAVAILABLE on both transports while it is gone, stays up, and recovers when it returns", async () => {
      assert.equal(await (await sayHello()).text(), '{"message":"Hello faults"}');

      await proxy.cut();
      if (driver === "postgres") {
        // pg reports the pooled connection it lost as an error event, which the data layer logs instead of crashing.
        const lost = await running.logs.waitFor((l) => l.level === "WARN" && l.msg.includes("connection lost"));
        assert.match(lost.msg, /^postgres 127\.0\.0\.1:\d+\/\w+: connection lost: /);
      }
      const res = await sayHello();
      assert.deepEqual({ status: res.status, body: await res.text() }, { status: 503, body: unavailable });
      const err: ServiceError = await callError<HelloReply>((cb) => client.sayHello(create(HelloRequestSchema, { name: "faults" }), cb));
      assert.deepEqual({ code: err.code, details: err.details }, { code: status.UNAVAILABLE, details: "database unavailable" });

      await proxy.start();
      const back = await sayHello();
      assert.deepEqual({ status: back.status, body: await back.text() }, { status: 200, body: '{"message":"Hello faults"}' });
      const reply = await call<HelloReply>((cb) => client.sayHello(create(HelloRequestSchema, { name: "faults" }), cb));
      assert.equal(reply.message, "Hello faults");
    });
  });
}
