import "reflect-metadata";
import assert from "node:assert/strict";
import { Agent } from "node:http";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { credentials, type ServiceError, status } from "@grpc/grpc-js";
import { GreeterClient } from "../api/helloworld/v1/greeter_grpc.js";
import { HelloRequestSchema } from "../api/helloworld/v1/greeter_pb.js";
import { startApp } from "./support/app.js";
import { call } from "./support/grpc.js";
import { agentGet } from "./support/http.js";

describe("a stop under keep-alive load", () => {
  it("answers every request written on an open connection: 100 keep-alive connections sending back to back lose none", async () => {
    const running = await startApp();
    const port = Number(new URL(running.httpURL).port);
    const agent = new Agent({ keepAlive: true, maxSockets: 100 });
    let answered = 0;
    const errors = new Map<string, number>();
    // The stop comes mid-run: once every connection has been answered once (so the server has accepted them
    // all; a connection still in the listen queue is reset when the listener closes), and 500 answers later.
    let unanswered = 100;
    let stopAt = 500;
    let stopped: Promise<void> | undefined;
    const loop = async (i: number) => {
      for (let n = 0; ; n++) {
        const r = await agentGet(agent, port, `/helloworld/c${i}n${n}`);
        if (r.error) {
          errors.set(r.error, (errors.get(r.error) ?? 0) + 1);
          return;
        }
        assert.equal(r.status, 200);
        answered++;
        if (n === 0) unanswered--;
        if (unanswered === 0 && --stopAt === 0) stopped = running.stop();
      }
    };
    await Promise.all(Array.from({ length: 100 }, (_, i) => loop(i)));
    await stopped;
    agent.destroy();
    // Once the listener is closed, a new connection is refused: that request was never written, so never accepted.
    assert.deepEqual(
      [...errors.keys()].filter((code) => code !== "ECONNREFUSED"),
      [],
      `errors: ${JSON.stringify([...errors])}`,
    );
    assert.ok(stopped, "the stop came mid-run");
    assert.ok(answered >= 600, `answered ${answered}`);
    const accessLines = running.logs.lines.filter((l) => l.msg === "access" && l.component === "http").length;
    assert.equal(accessLines, answered, "one access line per answered request");
  });

  it("answers every call the server accepted: 100 gRPC calls at a time, back to back, lose none", async () => {
    const running = await startApp();
    // A client of its own, which running.stop() does not close.
    const client = new GreeterClient(running.grpcAddress, credentials.createInsecure());
    let answered = 0;
    const failures = new Map<string, number>();
    let stopAt = 500;
    let stopped: Promise<void> | undefined;
    const loop = async (i: number) => {
      for (let n = 0; ; n++) {
        try {
          await call((cb) => client.sayHello(create(HelloRequestSchema, { name: `c${i}n${n}` }), cb));
        } catch (err) {
          const e = err as ServiceError;
          const key = e.code === undefined ? String(err) : `${status[e.code]}: ${e.details}`;
          failures.set(key, (failures.get(key) ?? 0) + 1);
          return;
        }
        answered++;
        if (--stopAt === 0) stopped = running.stop();
      }
    };
    await Promise.all(Array.from({ length: 100 }, (_, i) => loop(i)));
    await stopped;
    client.close();
    // A call the server never took (after its GOAWAY, or with the listener closed) fails UNAVAILABLE; none is cut.
    assert.deepEqual(
      [...failures.keys()].filter((k) => !k.startsWith("UNAVAILABLE: ")),
      [],
      JSON.stringify([...failures]),
    );
    const accessLines = running.logs.lines.filter((l) => l.msg === "access" && l.component === "grpc").length;
    assert.equal(accessLines, answered, "every call the server took was answered, and logged once");
  });
});
