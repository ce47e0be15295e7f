import { newLogger } from "@kratos-ts/kratos/log";
import { GRPCServer } from "@kratos-ts/kratos/transport/grpc";
import { HTTPServer } from "@kratos-ts/kratos/transport/http";
import { wireApp } from "../cmd/helloworld/wire.js";
import { Bootstrap } from "../internal/conf/conf.js";
import { sink } from "./loggers.js";
import { median, quantile } from "./stats.js";
import { grpcCaller, httpGetter, run } from "./transports.js";

/** The helloworld service as configured by overrides, on loopback ports, its lines written to a sink that keeps nothing. */
export async function startService(overrides: { log?: object; trace?: object; metricsPath?: string }) {
  const bc = Bootstrap.parse({
    log: overrides.log,
    trace: overrides.trace,
    data: { database: { driver: "sqlite", source: ":memory:" } },
    // The load is generated on the service's own event loop, which the limiter would read as overload: it is off.
    server: { http: { addr: "127.0.0.1:0", metrics_path: overrides.metricsPath }, grpc: { addr: "127.0.0.1:0" }, ratelimit: { enabled: false } },
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
  /** The first and third quartiles of the rounds' CPU ratios: how much one round says. */
  cpuQuartiles: [number, number];
}

/** How many calls each server gets in a round. */
export const SERVICE_CALLS = 200;

/** The service as it runs by default: tracing (no export), the access log and metrics on. */
export const OBSERVED = {};
/** The same service with all three off. */
export const QUIET = { log: { access: false }, trace: { enabled: false }, metricsPath: "" };

/**
 * benchService measures the helloworld service's SayHello (a SQLite upsert and a CreateGreeter line) in config
 * `observed` against config `quiet` (by default: as it runs by default against all three off). Two servers of
 * each run, made in the order quiet, observed, observed, quiet, and each round calls them in that order: a
 * server made later in a process runs a few per cent faster, as a machine may drift within a round, and the
 * mirrored order cancels both. The ratios are the medians of the rounds' ratios. Client and server share this
 * process, so the CPU ratio counts the client's work too, as the wall ratio does.
 *
 * Rounds are short (SERVICE_CALLS calls a server) and many: on these machines one round's ratio ranges from
 * about 0.6 to 1.4, and the machine's slow spells last longer than a short round, so short rounds pair better.
 * With 9 rounds of 1,000 calls the quiet service against itself gave medians from 0.95 to 1.03; with 75
 * rounds of 200, 1.01 and 1.01.
 */
export async function benchService(
  rounds: number,
  observed: object = OBSERVED,
  quiet: object = QUIET,
): Promise<{ http: ServiceComparison; grpc: ServiceComparison }> {
  const services = [];
  for (const config of [quiet, observed, observed, quiet]) services.push(await startService(config));
  const grpcCallers = services.map((s) => grpcCaller(s.grpcAddress));
  const compare = async (calls: Array<() => Promise<void>>): Promise<ServiceComparison> => {
    for (const call of calls) await rateOf(call, 1000);
    const rates: number[] = [];
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const r: Rate[] = [];
      for (const call of calls) r.push(await rateOf(call, SERVICE_CALLS));
      const [a, b, c, d] = r as [Rate, Rate, Rate, Rate];
      rates.push((b.wall + c.wall) / 2);
      wall.push((b.wall + c.wall) / (a.wall + d.wall));
      cpu.push((b.cpu + c.cpu) / (a.cpu + d.cpu));
    }
    return { observed: median(rates), wallRatio: median(wall), cpuRatio: median(cpu), cpuQuartiles: [quantile(cpu, 0.25), quantile(cpu, 0.75)] };
  };
  const http = await compare(services.map((s) => httpGetter(s.port)));
  const grpc = await compare(grpcCallers.map((c) => c.call));
  for (const c of grpcCallers) c.close();
  await Promise.all(services.map((s) => s.stop()));
  return { http, grpc };
}
