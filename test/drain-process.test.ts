import "reflect-metadata";
import assert from "node:assert/strict";
import { Agent } from "node:http";
import { after, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { credentials, type ServiceError, status } from "@grpc/grpc-js";
import { GreeterClient } from "../api/helloworld/v1/greeter_grpc.js";
import { HelloRequestSchema } from "../api/helloworld/v1/greeter_pb.js";
import { call } from "./support/grpc.js";
import { agentGet } from "./support/http.js";
import { killAll, listening, startHelloworld } from "./support/process.js";

const CONNECTIONS = 100;
const STREAMS = 100;

describe("SIGTERM at peak load on the real binary", () => {
  after(() => killAll());

  for (const run of [1, 2, 3]) {
    it(`run ${run}: 100 keep-alive HTTP connections and 100 gRPC streams sending back to back lose no request, and the binary exits 0`, {
      timeout: 60_000,
    }, async (t) => {
      // 200 clients back to back overload the service on purpose; the limiter would rightly shed some, and what
      // this measures is the stop, so it is off (test/overload.test.ts is the limiter's).
      const proc = startHelloworld({
        HELLOWORLD_SERVER_HTTP_TIMEOUT: "10s",
        HELLOWORLD_SERVER_GRPC_TIMEOUT: "10s",
        HELLOWORLD_SERVER_RATELIMIT_ENABLED: "false",
      });
      const { http: port, grpc } = await listening(proc);
      const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
      const client = new GreeterClient(`127.0.0.1:${grpc}`, credentials.createInsecure());
      const failures = new Map<string, number>();
      const fail = (key: string) => failures.set(key, (failures.get(key) ?? 0) + 1);
      let httpAnswered = 0;
      let grpcAnswered = 0;
      // SIGTERM comes mid-run: once every HTTP connection has been answered once (the server has accepted them
      // all; one still in the listen queue is reset when the listener closes), and 1,000 answers later.
      let unanswered = CONNECTIONS;
      let untilSignal = 1000;
      let signalledAt = 0;
      const tick = () => {
        if (unanswered === 0 && --untilSignal === 0) signalledAt = proc.signal("SIGTERM");
      };
      const httpLoop = async (i: number) => {
        for (let n = 0; ; n++) {
          const r = await agentGet(agent, port, `/helloworld/c${i}n${n}`);
          if (r.error) return fail(`HTTP ${r.error}`);
          if (r.status !== 200) return fail(`HTTP ${r.status}`);
          httpAnswered++;
          if (n === 0) unanswered--;
          tick();
        }
      };
      const grpcLoop = async (i: number) => {
        for (let n = 0; ; n++) {
          try {
            await call((cb) => client.sayHello(create(HelloRequestSchema, { name: `s${i}n${n}` }), cb));
          } catch (err) {
            const e = err as ServiceError;
            return fail(`gRPC ${status[e.code]}`);
          }
          grpcAnswered++;
          tick();
        }
      };
      await Promise.all([...Array.from({ length: CONNECTIONS }, (_, i) => httpLoop(i)), ...Array.from({ length: STREAMS }, (_, i) => grpcLoop(i))]);
      const exit = await proc.exited;
      agent.destroy();
      client.close();

      const stopMs = exit.at - signalledAt;
      const access = proc.lines.filter((l) => l.msg === "access");
      t.diagnostic(
        `SIGTERM run ${run}: ${httpAnswered} HTTP + ${grpcAnswered} gRPC answered; ended by ${JSON.stringify(Object.fromEntries(failures))}; exit ${exit.code} ${stopMs.toFixed(0)} ms after SIGTERM`,
      );
      assert.ok(signalledAt > 0, "SIGTERM came mid-run");
      // A request never written (a new connection refused once the listener closed) or a call the server never
      // took (UNAVAILABLE after its GOAWAY) was not accepted; a reset on a written request would be a loss.
      assert.deepEqual(
        [...failures.keys()].filter((k) => k !== "HTTP ECONNREFUSED" && k !== "gRPC UNAVAILABLE"),
        [],
        JSON.stringify([...failures]),
      );
      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, proc.transcript());
      assert.ok(stopMs < 5000, `exited ${stopMs.toFixed(0)} ms after SIGTERM, against a stop timeout of 10 s`);
      assert.equal(access.filter((l) => l.component === "http").length, httpAnswered, "one access line per answered HTTP request");
      assert.equal(access.filter((l) => l.component === "grpc").length, grpcAnswered, "one access line per answered gRPC call");
    });
  }
});
