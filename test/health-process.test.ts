// The gRPC health of the compiled helloworld binary across a SIGTERM: NOT_SERVING reaches the open Watch
// streams as the stop begins, while the server still serves the calls in flight on its connections.
import assert from "node:assert/strict";
import { after, afterEach, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { credentials } from "@grpc/grpc-js";
import {
  HealthCheckRequestSchema,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@kratos-ts/kratos/gen/grpc/health/v1/health_pb.js";
import { GreeterClient } from "../api/helloworld/v1/greeter_grpc.js";
import { type HelloReply, HelloRequestSchema } from "../api/helloworld/v1/greeter_pb.js";
import { call } from "./support/grpc.js";
import { type HealthClient, healthClient } from "./support/health.js";
import { type ChildProc, GRPC_LISTENING, killAll, listeningPort, startHelloworld } from "./support/process.js";
import { proxyDatabase } from "./support/proxy.js";

const T = { timeout: 20_000 };

function watch(client: HealthClient, service: string) {
  const stream = client.watch(create(HealthCheckRequestSchema, { service }));
  const messages = stream[Symbol.asyncIterator]() as AsyncIterator<HealthCheckResponse>;
  return async (): Promise<ServingStatus | "end"> => {
    const r = await messages.next();
    return r.done ? "end" : r.value.status;
  };
}

async function grpcPort(proc: ChildProc): Promise<number> {
  return listeningPort(await proc.waitForMsg(GRPC_LISTENING));
}

afterEach(killAll);
after(killAll);

describe("helloworld binary: gRPC health at SIGTERM", () => {
  it('sends NOT_SERVING for "" and helloworld.v1.Greeter to open Watch streams, ends them, and exits 0', T, async () => {
    const proc = startHelloworld({});
    const client = healthClient(`127.0.0.1:${await grpcPort(proc)}`);
    try {
      const server = watch(client, "");
      const greeter = watch(client, "helloworld.v1.Greeter");
      assert.equal(await server(), ServingStatus.SERVING);
      assert.equal(await greeter(), ServingStatus.SERVING);

      proc.signal("SIGTERM");
      assert.equal(await server(), ServingStatus.NOT_SERVING);
      assert.equal(await greeter(), ServingStatus.NOT_SERVING);
      assert.equal(await server(), "end");
      assert.equal(await greeter(), "end");
      const exit = await proc.exited;
      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, proc.transcript());
    } finally {
      client.close();
    }
  });

  const url = process.env.TEST_POSTGRES_URL;
  const skip = url ? false : "TEST_POSTGRES_URL is not set: the in-flight call across NOT_SERVING is skipped";
  if (skip) console.log(`notice: ${skip}`);

  it("sends NOT_SERVING while a call is in flight, then still answers that call before it exits 0", { ...T, skip }, async () => {
    const { proxy, source } = await proxyDatabase(url ?? "");
    const proc = startHelloworld({
      HELLOWORLD_DATA_DATABASE_DRIVER: "postgres",
      HELLOWORLD_DATA_DATABASE_SOURCE: source,
      HELLOWORLD_SERVER_GRPC_TIMEOUT: "15s",
    });
    const address = `127.0.0.1:${await grpcPort(proc)}`;
    const client = healthClient(address);
    const greeter = new GreeterClient(address, credentials.createInsecure());
    try {
      const server = watch(client, "");
      assert.equal(await server(), ServingStatus.SERVING);

      // The database hangs, so SayHello stays in flight until the proxy passes bytes again.
      proxy.hold();
      const reply = call<HelloReply>((cb) => greeter.sayHello(create(HelloRequestSchema, { name: "inflight" }), cb));
      // The usecase logs before it calls the database: the call is in flight from here on.
      await proc.waitForMsg("CreateGreeter: inflight");

      proc.signal("SIGTERM");
      assert.equal(await server(), ServingStatus.NOT_SERVING);
      assert.equal(await server(), "end");
      await proc.waitForMsg(/^\[gRPC\] server stopping$/);

      proxy.release();
      assert.equal((await reply).message, "Hello inflight");
      const exit = await proc.exited;
      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, proc.transcript());
    } finally {
      client.close();
      greeter.close();
      await proxy.cut();
    }
  });
});
