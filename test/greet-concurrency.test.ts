import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import type { GreeterClient } from "../api/helloworld/v1/greeter_grpc.js";
import { type HelloReply, HelloRequestSchema, type ListGreetersReply, ListGreetersRequestSchema } from "../api/helloworld/v1/greeter_pb.js";
import { type RunningApp, startApp } from "./support/app.js";
import { call } from "./support/grpc.js";

const targets = [
  { driver: "sqlite", source: ":memory:", env: "" },
  { driver: "postgres", source: process.env.TEST_POSTGRES_URL, env: "TEST_POSTGRES_URL" },
  { driver: "mysql", source: process.env.TEST_MYSQL_URL, env: "TEST_MYSQL_URL" },
] as const;

for (const { driver, source, env } of targets) {
  const skip = source ? false : `${env} is not set: the ${driver} concurrent SayHello suite is skipped`;
  if (skip) console.log(`notice: ${skip}`);

  describe(`1,000 SayHello calls at once on ${driver}`, { skip }, () => {
    let running: RunningApp;
    let client: GreeterClient;
    const name = `crowd-${process.pid}-${Date.now()}`;

    before(async () => {
      // The deadline is not under test here: 1,000 calls on 2 cores may take longer than the default second.
      running = await startApp({ data: { database: { driver, source } }, server: { grpc: { timeout: "60s" } } });
      client = running.client;
    });
    after(async () => {
      await running?.stop();
    });

    it("count every one of them: greet_count is 1,000", async () => {
      const replies = await Promise.all(
        Array.from({ length: 1000 }, () => call<HelloReply>((cb) => client.sayHello(create(HelloRequestSchema, { name }), cb))),
      );
      assert.deepEqual(new Set(replies.map((r) => r.message)), new Set([`Hello ${name}`]));
      const list = await call<ListGreetersReply>((cb) => client.listGreeters(create(ListGreetersRequestSchema, { hello: name }), cb));
      assert.deepEqual(
        list.greeters.map((g) => [g.hello, g.greetCount]),
        [[name, 1000n]],
      );
    });
  });
}
