import { Agent, request } from "node:http";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { credentials, Server, ServerCredentials } from "@grpc/grpc-js";
import { logging, type Middleware, metrics, recovery, tracing } from "@kratos-ts/kratos/middleware";
import { newTracerProvider } from "@kratos-ts/kratos/tracing";
import { definitionOf, GRPCServer } from "@kratos-ts/kratos/transport/grpc";
import { HTTPServer } from "@kratos-ts/kratos/transport/http";
import express from "express";
import { Registry } from "prom-client";
import { GreeterClient, type GreeterServer, registerGreeterServer } from "../api/helloworld/v1/greeter_grpc.js";
import { registerGreeterHTTPServer } from "../api/helloworld/v1/greeter_http.js";
import { Greeter, type HelloReply, HelloReplySchema, HelloRequestSchema } from "../api/helloworld/v1/greeter_pb.js";
import { quietLogger, sinkLogger } from "./loggers.js";
import { median, pairedRatio } from "./stats.js";

const concurrency = 16;
const requests = 4000;
// Only SayHello is measured; the other RPCs are served but refuse.
const notMeasured = async (): Promise<never> => {
  throw new Error("not part of the benchmark");
};
const greeter: GreeterServer = {
  sayHello: async (_ctx, req) => create(HelloReplySchema, { message: `Hello ${req.name}` }),
  getGreeter: notMeasured,
  listGreeters: notMeasured,
  createGreeter: notMeasured,
  updateGreeter: notMeasured,
  deleteGreeter: notMeasured,
};

/** run fires `calls` calls (4,000 by default), `concurrency` at a time, and returns calls per second. */
export async function run(call: () => Promise<void>, calls = requests): Promise<number> {
  let left = calls;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) await call();
    }),
  );
  return calls / (Number(process.hrtime.bigint() - start) / 1e9);
}

export function httpGetter(port: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  return () =>
    new Promise<void>((resolve, reject) => {
      request({ port, host: "127.0.0.1", path: "/helloworld/kratos", agent }, (res) => {
        res.resume().on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      })
        .on("error", reject)
        .end();
    });
}

async function bareExpress(): Promise<{ port: number; close: () => void }> {
  const app = express();
  app.get("/helloworld/:name", (req, res) => {
    res.json({ message: `Hello ${req.params.name}` });
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

async function frameworkHTTP(middleware: Middleware[]): Promise<{ port: number; close: () => Promise<void> }> {
  const s = new HTTPServer({ address: "127.0.0.1:0", timeout: 1000, middleware, logger: quietLogger });
  registerGreeterHTTPServer(s, greeter);
  await s.start();
  return { port: Number(s.address.split(":").pop()), close: () => s.stop(AbortSignal.timeout(1000)) };
}

async function bareGRPC(): Promise<{ address: string; close: () => void }> {
  const server = new Server();
  server.addService(definitionOf(Greeter), {
    sayHello: (call: { request: { name: string } }, cb: (e: null, r: HelloReply) => void) =>
      cb(null, create(HelloReplySchema, { message: `Hello ${call.request.name}` })),
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  return { address: `127.0.0.1:${port}`, close: () => server.forceShutdown() };
}

async function frameworkGRPC(middleware: Middleware[]): Promise<{ address: string; close: () => Promise<void> }> {
  const s = new GRPCServer({ address: "127.0.0.1:0", timeout: 1000, middleware, logger: quietLogger });
  registerGreeterServer(s, greeter);
  await s.start();
  return { address: s.address, close: () => s.stop(AbortSignal.timeout(1000)) };
}

export function grpcCaller(address: string) {
  const client = new GreeterClient(address, credentials.createInsecure());
  const req = create(HelloRequestSchema, { name: "kratos" });
  return {
    call: () => new Promise<void>((resolve, reject) => client.sayHello(req, (err) => (err ? reject(err) : resolve()))),
    close: () => client.close(),
  };
}

export interface Comparison {
  bare: number;
  framework: number;
  ratio: number;
  /**
   * The framework observed (recovery, tracing with no exporter, access log, metrics, as the service runs), and
   * the median of its ratio to the framework without, round by round.
   */
  observed: number;
  observedRatio: number;
}

/** benchTransports measures SayHello on bare express and grpc-js, on the framework, and on the framework observed, in alternating rounds. */
export async function benchTransports(rounds: number): Promise<{ http: Comparison; grpc: Comparison }> {
  const plain = [recovery(quietLogger)];
  const tracerProvider = newTracerProvider({ service: { id: "bench", name: "bench", version: "0" }, env: {} });
  const observed = [recovery(quietLogger), tracing({ tracerProvider }), logging(sinkLogger), metrics(new Registry())];
  const [be, fh, fhm, bg, fg, fgm] = await Promise.all([
    bareExpress(),
    frameworkHTTP(plain),
    frameworkHTTP(observed),
    bareGRPC(),
    frameworkGRPC(plain),
    frameworkGRPC(observed),
  ]);
  const bareHTTPCall = httpGetter(be.port);
  const fwHTTPCall = httpGetter(fh.port);
  const fwmHTTPCall = httpGetter(fhm.port);
  const bareGRPCClient = grpcCaller(bg.address);
  const fwGRPCClient = grpcCaller(fg.address);
  const fwmGRPCClient = grpcCaller(fgm.address);
  const r = { bh: [] as number[], fh: [] as number[], fhm: [] as number[], bg: [] as number[], fg: [] as number[], fgm: [] as number[] };
  for (const call of [bareHTTPCall, fwHTTPCall, fwmHTTPCall, bareGRPCClient.call, fwGRPCClient.call, fwmGRPCClient.call]) await run(call);
  for (let i = 0; i < rounds; i++) {
    r.bh.push(await run(bareHTTPCall));
    r.fh.push(await run(fwHTTPCall));
    r.fhm.push(await run(fwmHTTPCall));
    r.bg.push(await run(bareGRPCClient.call));
    r.fg.push(await run(fwGRPCClient.call));
    r.fgm.push(await run(fwmGRPCClient.call));
  }
  for (const c of [bareGRPCClient, fwGRPCClient, fwmGRPCClient]) c.close();
  be.close();
  bg.close();
  await Promise.all([fh.close(), fhm.close(), fg.close(), fgm.close()]);
  const cmp = (bare: number[], fw: number[], fwm: number[]) => ({
    bare: median(bare),
    framework: median(fw),
    ratio: pairedRatio(fw, bare),
    observed: median(fwm),
    observedRatio: pairedRatio(fwm, fw),
  });
  return { http: cmp(r.bh, r.fh, r.fhm), grpc: cmp(r.bg, r.fg, r.fgm) };
}
