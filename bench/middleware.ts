import { create } from "@bufbuild/protobuf";
import { Header, runInContext, TransportContext } from "@kratos-ts/kratos/context";
import { chain, logging, type Middleware, metrics, recovery, tracing } from "@kratos-ts/kratos/middleware";
import { newTracerProvider } from "@kratos-ts/kratos/tracing";
import { Registry } from "prom-client";
import { Greeter, HelloReplySchema, HelloRequestSchema } from "../api/helloworld/v1/greeter_pb.js";
import { quietLogger, sinkLogger } from "./loggers.js";
import { median } from "./stats.js";

const calls = 100_000;
const tracerProvider = newTracerProvider({ service: { id: "bench", name: "bench", version: "bench" }, env: {} });

// What an HTTP request of curl's looks like to the middleware.
const rawHeaders = ["Host", "127.0.0.1:8000", "User-Agent", "curl/8.5.0", "Accept", "*/*"];
const raw = { method: "GET", path: "/helloworld/kratos", socket: { remoteAddress: "127.0.0.1", remotePort: 50000 } };
const requestHeader = () => {
  const header = new Header();
  for (let i = 0; i < rawHeaders.length; i += 2) header.add(rawHeaders[i] as string, rawHeaders[i + 1] as string);
  return header;
};
const req = create(HelloRequestSchema, { name: "kratos" });
const sayHello = async () => create(HelloReplySchema, { message: "Hello kratos" });

/** The chains measured: recovery alone, then each observing middleware after it, then all of them as the service runs. */
const chains: Record<string, Middleware[]> = {
  recovery: [recovery(quietLogger)],
  "+ tracing": [recovery(quietLogger), tracing({ tracerProvider })],
  "+ access log": [recovery(quietLogger), logging(sinkLogger)],
  "+ metrics": [recovery(quietLogger), metrics(new Registry())],
  "+ all three": [recovery(quietLogger), tracing({ tracerProvider }), logging(sinkLogger), metrics(new Registry())],
};

/** microsPerCall runs SayHello's handler through a chain, in a request context as the transports do, with no socket. */
async function microsPerCall(middleware: Middleware[]): Promise<number> {
  const handler = chain(...middleware)(sayHello);
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    const ctx = new TransportContext({
      kind: "http",
      method: Greeter.method.sayHello,
      route: "/helloworld/{name}",
      deadline: Date.now() + 1000,
      raw,
      requestHeader,
    });
    await runInContext(ctx, () => handler(ctx, req));
  }
  return Number(process.hrtime.bigint() - start) / calls / 1000;
}

/** benchMiddleware measures what each observing middleware costs one call, median of rounds, in microseconds. */
export async function benchMiddleware(rounds: number): Promise<Record<string, number>> {
  const runs: Record<string, number[]> = Object.fromEntries(Object.keys(chains).map((k) => [k, []]));
  for (const m of Object.values(chains)) await microsPerCall(m);
  for (let r = 0; r < rounds; r++) {
    for (const [name, m] of Object.entries(chains)) runs[name]?.push(await microsPerCall(m));
  }
  return Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
}
