import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { type ClientReadableStream, credentials, makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js";
import { App } from "../app.js";
import {
  Health,
  type HealthCheckRequest,
  HealthCheckRequestSchema,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../gen/grpc/health/v1/health_pb.js";
import { newLogger } from "../log/logger.js";
import type { Middleware } from "../middleware/middleware.js";
import { LogCapture } from "../testing/logs.js";
import { definitionOf, GRPCServer } from "../transport/grpc/index.js";
import { HTTPServer, serveHealth } from "../transport/http/index.js";
import { Readiness } from "./readiness.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Readiness", () => {
  it("is ready with no checks, and with every check passing", async () => {
    assert.deepEqual(await new Readiness().check(), { ready: true });
    const r = new Readiness().add("a", async () => {}).add("b", async () => "anything");
    assert.deepEqual(await r.check(), { ready: true });
  });

  it("names the first failing check in the order added, with its cause", async () => {
    const r = new Readiness()
      .add("a", async () => {})
      .add("b", async () => Promise.reject(new Error("b is down")))
      .add("c", async () => Promise.reject(new Error("c is down")));
    assert.deepEqual(await r.check(), { ready: false, check: "b", message: "b is down" });
  });

  it("fails a check that does not answer within its timeout, and aborts its signal", async () => {
    let aborted = false;
    const r = new Readiness({ timeout: 50 }).add("slow", (signal) => {
      signal.addEventListener("abort", () => {
        aborted = true;
      });
      return new Promise(() => {});
    });
    const started = performance.now();
    assert.deepEqual(await r.check(), { ready: false, check: "slow", message: "timed out after 50ms" });
    assert.ok(performance.now() - started < 1000);
    assert.equal(aborted, true);
    assert.deepEqual(await new Readiness({ timeout: 5000 }).add("own", () => new Promise(() => {}), 20).check(), {
      ready: false,
      check: "own",
      message: "timed out after 20ms",
    });
  });

  it("runs the checks once for evaluations that overlap", async () => {
    let runs = 0;
    const r = new Readiness().add("counted", async () => {
      runs++;
      await sleep(20);
    });
    const results = await Promise.all([r.check(), r.check(), r.check()]);
    assert.deepEqual(results, [{ ready: true }, { ready: true }, { ready: true }]);
    assert.equal(runs, 1);
    await r.check();
    assert.equal(runs, 2);
  });

  it("fails with stopping once marked, without running the checks, and tells listeners each change once", async () => {
    let up = true;
    let runs = 0;
    const r = new Readiness().add("db", async () => {
      runs++;
      if (!up) throw new Error("gone");
    });
    const heard: unknown[] = [];
    r.onChange((result) => heard.push(result));
    await r.check();
    up = false;
    await r.check();
    await r.check();
    up = true;
    await r.check();
    r.markStopping();
    r.markStopping();
    assert.equal(r.stopping, true);
    assert.deepEqual(await r.check(), { ready: false, check: "stopping", message: "the server is stopping" });
    assert.equal(runs, 4);
    assert.deepEqual(heard, [
      { ready: true },
      { ready: false, check: "db", message: "gone" },
      { ready: true },
      { ready: false, check: "stopping", message: "the server is stopping" },
    ]);
  });
});

interface HealthClient {
  check(req: HealthCheckRequest, cb: (err: ServiceError | null, res?: HealthCheckResponse) => void): unknown;
  watch(req: HealthCheckRequest): ClientReadableStream<HealthCheckResponse>;
  close(): void;
}

describe("an App with a Readiness, over real sockets", () => {
  let up = true;
  const readiness = new Readiness({ timeout: 500 }).add("dependency", async () => {
    if (!up) throw new Error("connection refused");
  });
  const logger = newLogger({ id: "t", name: "t", version: "t", destination: new LogCapture() });
  // What an access-log or metrics middleware would see: probes and health calls must not reach it.
  const seen: string[] = [];
  const middleware: Middleware[] = [
    (next) => (ctx, req) => {
      seen.push(ctx.operation);
      return next(ctx, req);
    },
  ];
  const http = new HTTPServer({ address: "127.0.0.1:0", timeout: 5000, logger, middleware });
  // A short watch interval, so a Watch stream hears a change that no Check or /readyz evaluated.
  const grpc = new GRPCServer({ address: "127.0.0.1:0", timeout: 5000, logger, middleware, health: { readiness, watchInterval: 50 } });
  serveHealth(http, readiness);
  let releaseStop: () => void = () => {};
  let stopHookRan: () => void = () => {};
  const inStopHook = new Promise<void>((resolve) => {
    stopHookRan = resolve;
  });
  const app = new App({
    id: "t",
    name: "t",
    version: "t",
    logger,
    servers: [grpc, http],
    readiness,
    // The stop waits here, with both listeners still open, until the test has looked.
    beforeStop: [
      () =>
        new Promise<void>((resolve) => {
          releaseStop = resolve;
          stopHookRan();
        }),
    ],
  });
  let done: Promise<void>;
  let client: HealthClient;
  let base: string;

  before(async () => {
    done = app.run();
    await app.started;
    base = `http://${http.address}`;
    const Client = makeGenericClientConstructor(definitionOf(Health), "Health");
    client = new Client(grpc.address, credentials.createInsecure()) as unknown as HealthClient;
  });
  after(async () => {
    client.close();
    releaseStop();
    app.stop();
    await done;
  });

  const get = async (path: string) => {
    const res = await fetch(base + path);
    return { status: res.status, type: res.headers.get("content-type"), cache: res.headers.get("cache-control"), body: await res.text() };
  };
  const check = (service: string) =>
    new Promise<ServingStatus | undefined>((resolve, reject) =>
      client.check(create(HealthCheckRequestSchema, { service }), (err, res) => (err ? reject(err) : resolve(res?.status))),
    );

  it('answers /healthz and /readyz 200 {"status":"ok"} while ready, HEAD too', async () => {
    const ok = { status: 200, type: "application/json", cache: "no-store", body: '{"status":"ok"}' };
    assert.deepEqual(await get("/healthz"), ok);
    assert.deepEqual(await get("/readyz"), ok);
    const head = await fetch(`${base}/readyz`, { method: "HEAD" });
    assert.deepEqual({ status: head.status, length: head.headers.get("content-length"), body: await head.text() }, { status: 200, length: "15", body: "" });
    assert.equal(await check(""), ServingStatus.SERVING);
  });

  it("answers /readyz 503 naming the failing check, and gRPC NOT_SERVING, while /healthz stays 200; a Watch follows", async () => {
    const stream = client.watch(create(HealthCheckRequestSchema, { service: "" }));
    const messages = stream[Symbol.asyncIterator]() as AsyncIterator<HealthCheckResponse>;
    const next = async () => ((await messages.next()).value as HealthCheckResponse).status;
    assert.equal(await next(), ServingStatus.SERVING);

    up = false;
    // No Check and no /readyz: the Watch stream hears it from the periodic evaluation.
    assert.equal(await next(), ServingStatus.NOT_SERVING);
    assert.deepEqual(await get("/readyz"), {
      status: 503,
      type: "application/json",
      cache: "no-store",
      body: '{"code":503,"reason":"NOT_READY","message":"dependency: connection refused","metadata":{"check":"dependency"}}',
    });
    assert.equal(await check(""), ServingStatus.NOT_SERVING);
    assert.equal((await get("/healthz")).status, 200);

    up = true;
    assert.equal(await check(""), ServingStatus.SERVING);
    assert.equal(await next(), ServingStatus.SERVING);
    assert.equal((await get("/readyz")).status, 200);
    stream.cancel();
  });

  it("answers /readyz 503 stopping and gRPC NOT_SERVING as soon as a stop begins, while the listeners are still open", async () => {
    const stream = client.watch(create(HealthCheckRequestSchema, { service: "" }));
    const messages = stream[Symbol.asyncIterator]() as AsyncIterator<HealthCheckResponse>;
    assert.equal(((await messages.next()).value as HealthCheckResponse).status, ServingStatus.SERVING);

    app.stop();
    await inStopHook;
    assert.equal(((await messages.next()).value as HealthCheckResponse).status, ServingStatus.NOT_SERVING);
    assert.deepEqual(await get("/readyz"), {
      status: 503,
      type: "application/json",
      cache: "no-store",
      body: '{"code":503,"reason":"NOT_READY","message":"stopping: the server is stopping","metadata":{"check":"stopping"}}',
    });
    assert.equal(await check(""), ServingStatus.NOT_SERVING);
    assert.equal((await get("/healthz")).status, 200);

    releaseStop();
    await done;
    assert.equal((await messages.next()).done, true);
  });

  it("kept every probe and health call out of the middleware chain", () => {
    assert.deepEqual(seen, []);
  });
});
