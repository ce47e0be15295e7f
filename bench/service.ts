import { Writable } from "node:stream";
import { newLogger } from "@kratos-ts/kratos/log";
import { GRPCServer } from "@kratos-ts/kratos/transport/grpc";
import { HTTPServer } from "@kratos-ts/kratos/transport/http";
import { wireApp } from "../cmd/helloworld/wire.js";
import { Bootstrap } from "../internal/conf/conf.js";
import { median } from "./stats.js";
import { grpcCaller, httpGetter, run } from "./transports.js";

/** The helloworld service as configured by overrides, on loopback ports, its lines written to a sink that keeps nothing. */
export async function startService(overrides: { log?: object; trace?: object; metricsPath?: string }) {
  const bc = Bootstrap.parse({
    log: overrides.log,
    trace: overrides.trace,
    data: { database: { driver: "sqlite", source: ":memory:" } },
    server: { http: { addr: "127.0.0.1:0", metrics_path: overrides.metricsPath }, grpc: { addr: "127.0.0.1:0" } },
  });
  const sink = Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), { write: () => true });
  const { app, cleanup, container } = wireApp(bc, newLogger({ id: "bench", name: "helloworld", version: "bench", destination: sink }));
  const done = app.run().finally(cleanup);
  await app.started;
  return {
    port: Number(container.resolve(HTTPServer).address.split(":").pop()),
    grpcAddress: container.resolve(GRPCServer).address,
    stop: async () => {
      app.stop();
      await done;
    },
  };
}

/**
 * benchService measures the helloworld service's SayHello (a SQLite upsert and a CreateGreeter line) with
 * tracing (no export), the access log and metrics on, as it runs by default, against the same service with
 * all three off, in alternating rounds; the ratios are the medians of the round-by-round ratios.
 */
export async function benchService(rounds: number): Promise<{ http: number; grpc: number; httpRatio: number; grpcRatio: number }> {
  const observed = await startService({});
  const quiet = await startService({ log: { access: false }, trace: { enabled: false }, metricsPath: "" });
  const calls = {
    observedHTTP: httpGetter(observed.port),
    quietHTTP: httpGetter(quiet.port),
    observedGRPC: grpcCaller(observed.grpcAddress),
    quietGRPC: grpcCaller(quiet.grpcAddress),
  };
  const r = { oh: [] as number[], qh: [] as number[], og: [] as number[], qg: [] as number[] };
  for (const call of [calls.observedHTTP, calls.quietHTTP, calls.observedGRPC.call, calls.quietGRPC.call]) await run(call);
  for (let i = 0; i < rounds; i++) {
    r.qh.push(await run(calls.quietHTTP));
    r.oh.push(await run(calls.observedHTTP));
    r.qg.push(await run(calls.quietGRPC.call));
    r.og.push(await run(calls.observedGRPC.call));
  }
  calls.observedGRPC.close();
  calls.quietGRPC.close();
  await Promise.all([observed.stop(), quiet.stop()]);
  const paired = (a: number[], b: number[]) => median(a.map((v, i) => v / (b[i] as number)));
  return { http: median(r.oh), grpc: median(r.og), httpRatio: paired(r.oh, r.qh), grpcRatio: paired(r.og, r.qg) };
}
