// The generated clients, over both transports, against real servers on real sockets: every Greeter method and its
// USER_NOT_FOUND through the same typed check; the echo service for every shape of binding, errors, deadlines,
// metadata both ways, client middleware, and what a call made while serving a request sends on.
import "reflect-metadata";
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { after, before, describe, it } from "node:test";
import { create, type MessageInitShape, toJson } from "@bufbuild/protobuf";
import { Header, runInContext, TRACE_CONTEXT, TransportContext } from "@kratos-ts/kratos/context";
import { KratosError } from "@kratos-ts/kratos/errors";
import { newLogger } from "@kratos-ts/kratos/log";
import { clientTracing, type Middleware } from "@kratos-ts/kratos/middleware";
import { LogCapture, SpanCapture } from "@kratos-ts/kratos/testing";
import type { CallOptions, ClientOptions } from "@kratos-ts/kratos/transport";
import { GRPCClient } from "@kratos-ts/kratos/transport/grpc";
import { HTTPClient } from "@kratos-ts/kratos/transport/http";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from "@opentelemetry/api";
import { isUserNotFound } from "../api/helloworld/v1/error_reason_errors.js";
import { newGreeterGRPCClient } from "../api/helloworld/v1/greeter_grpc.js";
import { newGreeterHTTPClient } from "../api/helloworld/v1/greeter_http.js";
import { newEchoGRPCClient } from "./api/echo/v1/echo_grpc.js";
import { newEchoHTTPClient } from "./api/echo/v1/echo_http.js";
import { Echo, type EchoReply, EchoRequestSchema, Kind } from "./api/echo/v1/echo_pb.js";
import { type RunningApp, startApp } from "./support/app.js";
import { type EchoServers, startEchoServers } from "./support/echo.js";

/** One transport's clients of both services, made with the same options. */
interface Transport {
  name: "http" | "grpc";
  greeter: (opts?: Partial<ClientOptions>) => ReturnType<typeof newGreeterHTTPClient>;
  echo: (opts?: Partial<ClientOptions>) => ReturnType<typeof newEchoHTTPClient>;
}

/** errorOf is what a call rejected with, which must be a KratosError. */
async function errorOf(call: Promise<unknown>): Promise<KratosError> {
  const err = await call.then(
    () => assert.fail("the call succeeded"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof KratosError, `a KratosError, not ${String(err)}`);
  return err;
}

/** asJSON is a reply's request as proto3 JSON, to compare it with what was sent. */
const asJSON = (reply: EchoReply) => toJson(EchoRequestSchema, reply.request ?? create(EchoRequestSchema));

describe("the generated HTTP and gRPC clients", () => {
  let app: RunningApp;
  let echo: EchoServers;
  const closers: Array<() => void> = [];
  const transports: Transport[] = [
    {
      name: "http",
      greeter: (opts) => newGreeterHTTPClient(new HTTPClient({ endpoint: app.httpURL, ...opts })),
      echo: (opts) => newEchoHTTPClient(new HTTPClient({ endpoint: echo.httpURL, ...opts })),
    },
    {
      name: "grpc",
      greeter: (opts) => {
        const cc = new GRPCClient({ endpoint: app.grpcAddress, ...opts });
        closers.push(() => cc.close());
        return newGreeterGRPCClient(cc);
      },
      echo: (opts) => {
        const cc = new GRPCClient({ endpoint: echo.grpcAddress, ...opts });
        closers.push(() => cc.close());
        // The echo service's methods without an HTTP rule are gRPC's alone; the shared ones are the same shape.
        return newEchoGRPCClient(cc);
      },
    },
  ];

  before(async () => {
    app = await startApp();
    echo = await startEchoServers(newLogger({ id: "t", name: "echo", version: "t", destination: new LogCapture() }));
  });
  after(async () => {
    for (const close of closers) close();
    await Promise.all([app.stop(), echo.stop()]);
  });

  for (const t of transports) {
    it(`${t.name}: serves every Greeter method, and reads USER_NOT_FOUND into the same typed check as the server's`, async () => {
      const greeter = t.greeter();
      assert.equal((await greeter.sayHello({ name: "kratos" })).message, "Hello kratos");
      const hello = `bonjour-${t.name}`;
      const made = (await greeter.createGreeter({ hello })).greeter;
      assert.ok(made && made.id > 0n, "created, with an id");
      assert.deepEqual((await greeter.getGreeter({ id: made.id })).greeter, made);
      const listed = await greeter.listGreeters({ hello, pageSize: 10 });
      assert.deepEqual(
        listed.greeters.map((g) => [g.id, g.hello]),
        [[made.id, hello]],
        "the query carries hello and page_size",
      );
      const renamed = `hola-${t.name}`;
      assert.equal((await greeter.updateGreeter({ id: made.id, hello: renamed })).greeter?.hello, renamed);
      await greeter.deleteGreeter({ id: made.id });
      const err = await errorOf(greeter.getGreeter({ id: made.id }));
      assert.equal(isUserNotFound(err), true);
      assert.deepEqual([err.code, err.reason, err.message], [404, "USER_NOT_FOUND", "user not found"]);
    });

    it(`${t.name}: sends every field where the binding puts it, and reads the reply the same way`, async () => {
      const client = t.echo();
      const full: MessageInitShape<typeof EchoRequestSchema> = {
        id: 42n,
        text: "a b/c?d&e=%",
        numbers: [1, -2, 3],
        flag: true,
        inner: { label: "x/y", count: 7 },
        kind: Kind.B,
        wait: { seconds: 0n, nanos: 5_000_000 },
        userName: "ünï",
      };
      const sent = toJson(EchoRequestSchema, create(EchoRequestSchema, full));
      // Path variable and query (GET), then the whole request as the body (POST).
      assert.deepEqual(asJSON(await client.get(full)), sent);
      assert.deepEqual(asJSON(await client.create(full)), sent);
      // One field as the body, the rest in the path and query; the reply's body is its inner field alone.
      const updated = await client.update(full);
      assert.deepEqual(updated.inner, create(EchoRequestSchema, full).inner);
      // A variable over several segments keeps its slashes.
      const resource = await client.resource({ text: "shelves/1/books/2" });
      assert.equal(resource.request?.text, "shelves/1/books/2");
    });

    it(`${t.name}: reads an error reply into the KratosError the server sent, its metadata included, and never a bug's message`, async () => {
      const client = t.echo();
      const notFound = await errorOf(client.fail({ mode: "error" }));
      assert.deepEqual([notFound.code, notFound.reason, notFound.message, notFound.metadata], [404, "USER_NOT_FOUND", "user not found", { user: "kratos" }]);
      assert.equal(isUserNotFound(notFound), true);
      const bug = await errorOf(client.fail({ mode: "panic" }));
      assert.equal(bug.code, 500);
      assert.doesNotMatch(bug.message, /secret internal detail/);
    });

    it(`${t.name}: a call past its timeout fails with 504 DEADLINE_EXCEEDED at the timeout, not when the server answers`, async () => {
      const client = t.echo({ timeout: 100 });
      const start = performance.now();
      const err = await errorOf(client.fail({ mode: "slow", wait: { seconds: 2n } }));
      const took = performance.now() - start;
      assert.deepEqual([err.code, err.reason], [504, "DEADLINE_EXCEEDED"]);
      assert.ok(took >= 95 && took < 1000, `failed after ${took.toFixed(0)} ms`);
      // A call's own timeout wins over the client's.
      const quick = await errorOf(t.echo({ timeout: 5000 }).fail({ mode: "slow", wait: { seconds: 2n } }, { timeout: 50 }));
      assert.equal(quick.code, 504);
    });

    it(`${t.name}: a call whose signal aborts fails with 499 CANCELED`, async () => {
      const aborter = new AbortController();
      const call = t.echo().fail({ mode: "slow", wait: { seconds: 2n } }, { signal: aborter.signal });
      setImmediate(() => aborter.abort());
      const err = await errorOf(call);
      assert.deepEqual([err.code, err.reason], [499, "CANCELED"]);
    });

    it(`${t.name}: leaves no listener on a signal that outlives its calls`, async () => {
      const aborter = new AbortController();
      const client = t.echo();
      for (let i = 0; i < 3; i++) await client.get({ id: 1n }, { signal: aborter.signal });
      assert.equal(getEventListeners(aborter.signal, "abort").length, 0);
    });

    it(`${t.name}: clientTracing makes each call a CLIENT span, the served request's child, and sends it as the called service's parent`, async () => {
      const spans = new SpanCapture();
      const client = t.echo({ middleware: [clientTracing({ tracerProvider: spans.provider })] });
      const parent = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: TraceFlags.SAMPLED };
      const served = new TransportContext({ kind: "http", method: Echo.method.get, deadline: Date.now() + 1000 });
      served.values.set(TRACE_CONTEXT, trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext(parent)));
      await runInContext(served, () => client.get({ id: 1n }));
      await errorOf(client.fail({ mode: "panic" }));
      served.done();
      const [ok, failed] = spans.ended();
      assert.ok(ok && failed);
      assert.deepEqual(
        [ok.name, ok.kind, ok.spanContext().traceId, ok.parentSpanContext?.spanId, ok.status.code],
        ["/echo.v1.Echo/Get", SpanKind.CLIENT, parent.traceId, parent.spanId, SpanStatusCode.UNSET],
      );
      assert.deepEqual(ok.attributes, {
        "rpc.system": t.name,
        "rpc.service": "echo.v1.Echo",
        "rpc.method": "Get",
        [t.name === "grpc" ? "rpc.grpc.status_code" : "http.response.status_code"]: t.name === "grpc" ? 0 : 200,
      });
      const seen = echo.echo.contexts.at(-2)?.requestHeader as Header;
      assert.equal(seen.get("traceparent"), `00-${parent.traceId}-${ok.spanContext().spanId}-01`, "the called service's parent is the client span");
      assert.deepEqual([failed.name, failed.parentSpanContext, failed.status.code], ["/echo.v1.Echo/Fail", undefined, SpanStatusCode.ERROR]);
    });

    it(`${t.name}: an endpoint with no server fails with 503`, async () => {
      const dead = t.name === "http" ? "http://127.0.0.1:1" : "127.0.0.1:1";
      const client = t.name === "http" ? newEchoHTTPClient(new HTTPClient({ endpoint: dead })) : t.echo({ endpoint: dead });
      const err = await errorOf(client.get({ id: 1n }));
      assert.equal(err.code, 503);
    });

    it(`${t.name}: sends the call's header, runs the client middleware in order around the call, and gives it the reply's header`, async () => {
      const order: string[] = [];
      let replied: string | undefined;
      const named =
        (name: string): Middleware =>
        (next) =>
        async (ctx, req) => {
          order.push(`${name} ${ctx.kind} ${ctx.operation}`);
          if (name === "inner") ctx.requestHeader.set("x-md-from-middleware", "m");
          const reply = await next(ctx, req);
          order.push(`${name} done`);
          if (name === "outer") replied = ctx.replyHeader.get("x-echo");
          return reply;
        };
      const client = t.echo({ middleware: [named("outer"), named("inner")] });
      const opts: CallOptions = { header: { "x-md-global-tenant": "acme", "x-md-local-list": ["a", "b"] } };
      await client.fail({ mode: "header" }, opts);
      const op = "/echo.v1.Echo/Fail";
      assert.deepEqual(order, [`outer ${t.name} ${op}`, `inner ${t.name} ${op}`, "inner done", "outer done"]);
      assert.equal(replied, "yes");
      const seen = echo.echo.contexts.at(-1)?.requestHeader as Header;
      assert.deepEqual(
        [seen.values("x-md-global-tenant"), seen.values("x-md-local-list"), seen.values("x-md-from-middleware")],
        // Two values of one key travel joined, as HTTP/1.1 and grpc-js's HTTP/2 headers both carry them.
        [["acme"], ["a, b"], ["m"]],
      );
    });

    it(`${t.name}: refuses to send a header the transport cannot carry, naming it`, async () => {
      await assert.rejects(t.echo().get({ id: 1n }, { header: { "x-bad": "line\nbreak" } }), /^Error: request header x-bad: /);
    });

    it(`${t.name}: a call made while serving a request sends on its x-md-global-* metadata and its span, and ends by its deadline`, async () => {
      const header = new Header();
      header.set("x-md-global-tenant", "acme");
      header.set("x-md-local-only", "here");
      const served = new TransportContext({ kind: "grpc", method: Echo.method.get, deadline: Date.now() + 150, requestHeader: () => header });
      const span = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: TraceFlags.SAMPLED };
      served.values.set(TRACE_CONTEXT, trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext(span)));
      const client = t.echo({ timeout: 5000 });
      await runInContext(served, () => client.get({ id: 7n }));
      const seen = echo.echo.contexts.at(-1)?.requestHeader as Header;
      assert.deepEqual(
        [seen.values("x-md-global-tenant"), seen.values("x-md-local-only"), seen.values("traceparent")],
        [["acme"], [], [`00-${span.traceId}-${span.spanId}-01`]],
      );
      const start = performance.now();
      const err = await errorOf(runInContext(served, () => client.fail({ mode: "slow", wait: { seconds: 2n } })));
      assert.equal(err.code, 504);
      assert.ok(performance.now() - start < 1000, "ended by the served request's deadline, not the client's 5 s");
      served.done();
    });
  }

  it("http: a route the server doesn't serve is its 404 NOT_FOUND; a method with no HTTP rule can't be called", async () => {
    // The greeter's server serves no echo route.
    const err = await errorOf(newEchoHTTPClient(new HTTPClient({ endpoint: app.httpURL })).get({ id: 1n }));
    assert.deepEqual([err.code, err.reason, err.message], [404, "NOT_FOUND", "no route matches GET /v1/echo/1"]);
    const cc = new HTTPClient({ endpoint: echo.httpURL });
    await assert.rejects(cc.invoke(Echo.method.internal, {}), /echo\.v1\.Echo\.Internal has no google\.api\.http rule/);
  });

  it("grpc: a method the server doesn't serve is 501, as UNIMPLEMENTED maps", async () => {
    const err = await errorOf(transports[1]?.echo({ endpoint: app.grpcAddress }).get({ id: 1n }) as Promise<unknown>);
    assert.equal(err.code, 501);
  });

  it("refuses an HTTP endpoint that is not http or https", () => {
    assert.throws(
      () => new HTTPClient({ endpoint: "ftp://127.0.0.1:8000" }),
      /HTTP client endpoint ftp:\/\/127\.0\.0\.1:8000: the scheme must be http or https/,
    );
  });
});
