import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import {
  type CallOptions,
  type ClientReadableStream,
  credentials,
  type Metadata,
  makeGenericClientConstructor,
  type ServiceError,
  type StatusObject,
  status,
} from "@grpc/grpc-js";
import {
  Health,
  type HealthCheckRequest,
  HealthCheckRequestSchema,
  type HealthCheckResponse,
  type HealthListRequest,
  HealthListRequestSchema,
  type HealthListResponse,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@kratos-ts/kratos/gen/grpc/health/v1/health_pb.js";
import { definitionOf } from "@kratos-ts/kratos/transport/grpc";
import { type RunningApp, startApp } from "./support/app.js";
import { call, callError } from "./support/grpc.js";

type Callback<T> = (err: ServiceError | null, reply?: T) => void;

/** The methods of the generic grpc-js client built from the Health descriptor, keyed as definitionOf keys them. */
interface HealthClient {
  check(req: HealthCheckRequest, cb: Callback<HealthCheckResponse>): unknown;
  list(req: HealthListRequest, cb: Callback<HealthListResponse>): unknown;
  watch(req: HealthCheckRequest, metadata?: Metadata, options?: CallOptions): ClientReadableStream<HealthCheckResponse>;
  close(): void;
}

function healthClient(address: string): HealthClient {
  const Client = makeGenericClientConstructor(definitionOf(Health), "Health");
  return new Client(address, credentials.createInsecure()) as unknown as HealthClient;
}

const check = (client: HealthClient, service: string) => call<HealthCheckResponse>((cb) => client.check(create(HealthCheckRequestSchema, { service }), cb));

/** watch opens a Watch stream and reads it one message at a time; status settles when the call has ended. */
function watch(client: HealthClient, service: string) {
  const stream = client.watch(create(HealthCheckRequestSchema, { service }));
  const status = new Promise<StatusObject>((resolve) => stream.on("status", resolve));
  const messages = stream[Symbol.asyncIterator]() as AsyncIterator<HealthCheckResponse>;
  return {
    stream,
    status,
    /** The status of the next message, or "end" once the server has ended the stream. */
    async next(): Promise<ServingStatus | "end"> {
      const r = await messages.next();
      return r.done ? "end" : r.value.status;
    },
  };
}

describe("grpc.health.v1.Health over a real socket", () => {
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

  it('reports the server as a whole, the service "", SERVING', async () => {
    const res = await check(client, "");
    assert.equal(res.status, ServingStatus.SERVING);
  });

  it("reports helloworld.v1.Greeter SERVING", async () => {
    const res = await check(client, "helloworld.v1.Greeter");
    assert.equal(res.status, ServingStatus.SERVING);
  });

  it("answers Check of an unknown service with NOT_FOUND", async () => {
    const err = await callError<HealthCheckResponse>((cb) => client.check(create(HealthCheckRequestSchema, { service: "nope" }), cb));
    assert.equal(err.code, status.NOT_FOUND);
    assert.equal(err.details, "unknown service");
  });

  it("lists the status of every service it knows", async () => {
    const res = await call<HealthListResponse>((cb) => client.list(create(HealthListRequestSchema, {}), cb));
    assert.deepEqual(
      Object.entries(res.statuses)
        .map(([service, r]) => [service, r.status])
        .sort(),
      [
        ["", ServingStatus.SERVING],
        ["helloworld.v1.Greeter", ServingStatus.SERVING],
      ],
    );
  });
});

describe("grpc.health.v1.Health Watch across a stop", () => {
  let running: RunningApp;
  let client: HealthClient;
  let stopped: Promise<void> | undefined;
  const watches: Array<ReturnType<typeof watch>> = [];

  before(async () => {
    // A stop timeout far beyond the test's own, so a Watch that held the graceful stop up fails the test.
    running = await startApp({ app: { stop_timeout: "30s" } });
    client = healthClient(running.grpcAddress);
  });

  after(async () => {
    // Should the test fail midway, a Watch left open must not hold the stop up.
    for (const w of watches) w.stream.cancel();
    client.close();
    await (stopped ?? running.stop());
  });

  it("sends SERVING, then NOT_SERVING when the stop begins, then ends so the stop completes", { timeout: 5_000 }, async () => {
    const server = watch(client, "");
    const greeter = watch(client, "helloworld.v1.Greeter");
    const unknown = watch(client, "nope");
    watches.push(server, greeter, unknown);
    assert.equal(await server.next(), ServingStatus.SERVING);
    assert.equal(await greeter.next(), ServingStatus.SERVING);
    assert.equal(await unknown.next(), ServingStatus.SERVICE_UNKNOWN);

    stopped = running.stop();

    assert.equal(await server.next(), ServingStatus.NOT_SERVING);
    assert.equal(await server.next(), "end");
    assert.equal(await greeter.next(), ServingStatus.NOT_SERVING);
    assert.equal(await greeter.next(), "end");
    assert.equal(await unknown.next(), "end");
    for (const w of [server, greeter, unknown]) {
      const s = await w.status;
      assert.equal(s.code, status.OK, `${s.code} ${s.details}`);
    }

    await stopped;
    const messages = running.logs.messages();
    assert.ok(messages.includes("[gRPC] server stopping"), messages.join("\n"));
    assert.ok(!messages.includes("[gRPC] server couldn't stop gracefully in time, doing force stop"), messages.join("\n"));
  });
});
