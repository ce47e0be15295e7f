import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "@kratos-ts/kratos/gen/grpc/health/v1/health_pb.js";
import { type RunningApp, startApp } from "./support/app.js";
import { check, type HealthClient, healthClient } from "./support/health.js";
import { proxyDatabase, type TcpProxy } from "./support/proxy.js";

async function get(url: string) {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

const ok = { status: 200, type: "application/json", body: '{"status":"ok"}' };

describe("health routes of the service on SQLite", () => {
  let running: RunningApp;
  let client: HealthClient;

  before(async () => {
    running = await startApp();
    client = healthClient(running.grpcAddress);
  });
  after(async () => {
    client.close();
    await running.stop();
  });

  it('answers GET /healthz and /readyz 200 {"status":"ok"}, and logs nothing for them', async () => {
    const before = running.logs.lines.length;
    assert.deepEqual(await get(`${running.httpURL}/healthz`), ok);
    assert.deepEqual(await get(`${running.httpURL}/readyz`), ok);
    assert.equal(running.logs.lines.length, before, "probes are plain routes, outside the middleware chain and its logging");
  });

  it('reports "" and helloworld.v1.Greeter SERVING over gRPC', async () => {
    assert.equal(await check(client, ""), ServingStatus.SERVING);
    assert.equal(await check(client, "helloworld.v1.Greeter"), ServingStatus.SERVING);
  });
});

const servers = [
  { driver: "postgres", url: process.env.TEST_POSTGRES_URL, env: "TEST_POSTGRES_URL" },
  { driver: "mysql", url: process.env.TEST_MYSQL_URL, env: "TEST_MYSQL_URL" },
] as const;

for (const { driver, url, env } of servers) {
  const skip = url ? false : `${env} is not set: the ${driver} readiness suite is skipped`;
  if (skip) console.log(`notice: ${skip}`);

  describe(`readiness follows ${driver} through a TCP proxy`, { skip }, () => {
    let proxy: TcpProxy;
    let running: RunningApp;
    let client: HealthClient;

    before(async () => {
      let source: string;
      ({ proxy, source } = await proxyDatabase(url ?? ""));
      running = await startApp({ data: { database: { driver, source } } });
      client = healthClient(running.grpcAddress);
    });
    after(async () => {
      client?.close();
      await running?.stop();
      await proxy?.cut();
    });

    it("answers /readyz 503 naming the database and gRPC NOT_SERVING while it is gone, and ready again when it is back", async () => {
      assert.deepEqual(await get(`${running.httpURL}/readyz`), ok);
      assert.equal(await check(client, ""), ServingStatus.SERVING);

      await proxy.cut();
      if (driver === "postgres") await running.logs.waitFor((l) => l.level === "WARN" && l.msg.includes("connection lost"));
      const res = await get(`${running.httpURL}/readyz`);
      assert.deepEqual(res, {
        status: 503,
        type: "application/json",
        body: JSON.stringify({
          code: 503,
          reason: "NOT_READY",
          message: `database: connect ECONNREFUSED 127.0.0.1:${proxy.port}`,
          metadata: { check: "database" },
        }),
      });
      assert.equal(await check(client, ""), ServingStatus.NOT_SERVING);
      assert.equal(await check(client, "helloworld.v1.Greeter"), ServingStatus.NOT_SERVING);
      assert.deepEqual(await get(`${running.httpURL}/healthz`), ok);

      await proxy.start();
      assert.deepEqual(await get(`${running.httpURL}/readyz`), ok);
      assert.equal(await check(client, ""), ServingStatus.SERVING);
      assert.equal(await check(client, "helloworld.v1.Greeter"), ServingStatus.SERVING);
    });

    it("answers /readyz 503 after the ping's 1s timeout while the database hangs, and 200 once it answers", async () => {
      assert.deepEqual(await get(`${running.httpURL}/readyz`), ok);
      proxy.hold();
      const started = performance.now();
      assert.deepEqual(await get(`${running.httpURL}/readyz`), {
        status: 503,
        type: "application/json",
        body: '{"code":503,"reason":"NOT_READY","message":"database: no answer to select 1 within 1000ms","metadata":{"check":"database"}}',
      });
      const took = performance.now() - started;
      assert.ok(took >= 900 && took < 1900, `answered at the ping's timeout, not after ${Math.round(took)} ms`);
      assert.equal(await check(client, ""), ServingStatus.NOT_SERVING);
      proxy.release();
      assert.deepEqual(await get(`${running.httpURL}/readyz`), ok);
      assert.equal(await check(client, ""), ServingStatus.SERVING);
    });
  });
}
