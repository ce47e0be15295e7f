import { newLogger } from "@kratos-ts/kratos/log";
import { GRPCServer } from "@kratos-ts/kratos/transport/grpc";
import { HTTPServer } from "@kratos-ts/kratos/transport/http";
import { wireApp } from "../cmd/helloworld/wire.js";
import { Bootstrap } from "../internal/conf/conf.js";
import { sink } from "./loggers.js";
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
  const { app, cleanup, container } = wireApp(bc, newLogger({ id: "bench", name: "helloworld", version: "bench", destination: sink() }));
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

/** A run's rate two ways: calls per second of wall time, and per second of this process's CPU time. */
interface Rate {
  wall: number;
  cpu: number;
}

/** rateOf fires calls calls, 16 at a time, and returns their rates. */
async function rateOf(call: () => Promise<void>, calls: number): Promise<Rate> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await run(call, calls);
  const used = process.cpuUsage(cpu);
  return { wall: calls / (Number(process.hrtime.bigint() - start) / 1e9), cpu: calls / ((used.user + used.system) / 1e6) };
}

/** What one transport of the observed service did against the quiet one. */
export interface ServiceComparison {
  /** Observed calls per second (wall time), median over the rounds. */
  observed: number;
  /** The medians of the round-by-round ratios, observed over quiet, in wall time and in CPU time. */
  wallRatio: number;
  cpuRatio: number;
}

/**
 * benchService measures the helloworld service's SayHello (a SQLite upsert and a CreateGreeter line) with
 * tracing (no export), the access log and metrics on, as it runs by default, against the same service with
 * all three off. Each round runs quiet, observed, observed, quiet (so a drift of the machine within the round
 * cancels out), and the ratios are the medians of the rounds' ratios. Client and server share this process,
 * so the CPU ratio counts the client's work too, as the wall ratio does.
 */
export async function benchService(rounds: number): Promise<{ http: ServiceComparison; grpc: ServiceComparison }> {
  const observed = await startService({});
  const quiet = await startService({ log: { access: false }, trace: { enabled: false }, metricsPath: "" });
  const observedGRPC = grpcCaller(observed.grpcAddress);
  const quietGRPC = grpcCaller(quiet.grpcAddress);
  const compare = async (o: () => Promise<void>, q: () => Promise<void>): Promise<ServiceComparison> => {
    await rateOf(o, 2000);
    await rateOf(q, 2000);
    const rates: number[] = [];
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const q1 = await rateOf(q, 1000);
      const o1 = await rateOf(o, 1000);
      const o2 = await rateOf(o, 1000);
      const q2 = await rateOf(q, 1000);
      rates.push((o1.wall + o2.wall) / 2);
      wall.push((o1.wall + o2.wall) / (q1.wall + q2.wall));
      cpu.push((o1.cpu + o2.cpu) / (q1.cpu + q2.cpu));
    }
    return { observed: median(rates), wallRatio: median(wall), cpuRatio: median(cpu) };
  };
  const http = await compare(httpGetter(observed.port), httpGetter(quiet.port));
  const grpc = await compare(observedGRPC.call, quietGRPC.call);
  observedGRPC.close();
  quietGRPC.close();
  await Promise.all([observed.stop(), quiet.stop()]);
  return { http, grpc };
}
