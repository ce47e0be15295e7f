import "reflect-metadata";
import assert from "node:assert/strict";
import { connect, type Settings } from "node:http2";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import { HelloRequestSchema } from "../api/helloworld/v1/greeter_pb.js";
import { startApp } from "./support/app.js";
import { callError } from "./support/grpc.js";

describe("gRPC message limits, from server.grpc", () => {
  it("refuses a request over 4 MiB by default with RESOURCE_EXHAUSTED, as grpc-go, and one under it reaches validation", async () => {
    const running = await startApp();
    try {
      const over = await callError((cb) => running.client.sayHello(create(HelloRequestSchema, { name: "x".repeat(4 * 1024 * 1024) }), cb));
      assert.equal(over.code, status.RESOURCE_EXHAUSTED);
      assert.match(over.details, /^Received message larger than max \(\d+ vs 4194304\)$/);
      const under = await callError((cb) => running.client.sayHello(create(HelloRequestSchema, { name: "x".repeat(1024 * 1024) }), cb));
      assert.equal(under.code, status.INVALID_ARGUMENT);
    } finally {
      await running.stop();
    }
  });

  it("follows server.grpc.max_recv_msg_size", async () => {
    const running = await startApp({ server: { grpc: { addr: "127.0.0.1:0", max_recv_msg_size: 1024 } } });
    try {
      const over = await callError((cb) => running.client.sayHello(create(HelloRequestSchema, { name: "x".repeat(2000) }), cb));
      assert.equal(over.code, status.RESOURCE_EXHAUSTED);
      assert.equal(over.details, "Received message larger than max (2003 vs 1024)");
    } finally {
      await running.stop();
    }
  });

  it("tells each connection how many calls it may have open at once: server.grpc.max_concurrent_streams, 1000 by default", async () => {
    for (const [config, want] of [
      [{}, 1000],
      [{ server: { grpc: { addr: "127.0.0.1:0", max_concurrent_streams: 7 } } }, 7],
    ] as const) {
      const running = await startApp(config);
      const session = connect(`http://${running.grpcAddress}`);
      try {
        const settings = await new Promise<Settings>((resolve, reject) => {
          session.once("remoteSettings", resolve);
          session.once("error", reject);
        });
        assert.equal(settings.maxConcurrentStreams, want);
      } finally {
        session.close();
        await running.stop();
      }
    }
  });
});
