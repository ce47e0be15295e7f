// What a request hands on to the services it calls, as Kratos's metadata and tracing middleware do: its
// x-md-* metadata reaches the handler, and the generated gRPC client sends on the x-md-global-* keys and the
// request's span as the caller of the next service's span. A front service, on both transports, calls a back
// service over gRPC while it serves each request.
import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { credentials, Metadata } from "@grpc/grpc-js";
import { type Context, serverMetadataOf } from "@kratos-ts/kratos/context";
import { KratosError } from "@kratos-ts/kratos/errors";
import { newLogger } from "@kratos-ts/kratos/log";
import { tracing } from "@kratos-ts/kratos/middleware";
import { LogCapture, SpanCapture } from "@kratos-ts/kratos/testing";
import { GRPCServer } from "@kratos-ts/kratos/transport/grpc";
import { HTTPServer } from "@kratos-ts/kratos/transport/http";
import { SpanKind } from "@opentelemetry/api";
import { GreeterClient } from "../api/helloworld/v1/greeter_grpc.js";
import { Greeter, type HelloReply, HelloReplySchema, type HelloRequest, HelloRequestSchema } from "../api/helloworld/v1/greeter_pb.js";
import { call } from "./support/grpc.js";

const caller = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" };
const traceparent = `00-${caller.traceId}-${caller.spanId}-01`;

/** What a service saw of one request: its metadata, and the traceparent it was sent. */
interface Seen {
  metadata: Record<string, string[]>;
  traceparent?: string;
}

const seen = (ctx: Context): Seen => {
  const md = serverMetadataOf(ctx);
  return { metadata: Object.fromEntries(md.keys().map((k) => [k, md.values(k)])), traceparent: ctx.requestHeader.get("traceparent") };
};

/** greeter serves SayHello with sayHello and answers every other Greeter method with 501. */
function greeter(sayHello: (ctx: Context, req: HelloRequest) => Promise<HelloReply>): object {
  const unimplemented = async () => {
    throw new KratosError(501, "NOT_IMPLEMENTED", "not implemented");
  };
  return { ...Object.fromEntries(Greeter.methods.map((m) => [m.localName, unimplemented])), sayHello };
}

describe("metadata and trace propagation through a generated gRPC client", () => {
  const logger = newLogger({ id: "t", name: "t", version: "t", destination: new LogCapture() });
  const frontSpans = new SpanCapture();
  const backSpans = new SpanCapture();
  let back: GRPCServer;
  let backClient: GreeterClient;
  let frontHTTP: HTTPServer;
  let frontGRPC: GRPCServer;
  let frontClient: GreeterClient;

  before(async () => {
    back = new GRPCServer({ address: "127.0.0.1:0", timeout: 1000, logger, middleware: [tracing({ tracerProvider: backSpans.provider })] });
    back.registerService(
      Greeter,
      greeter(async (ctx) => create(HelloReplySchema, { message: JSON.stringify(seen(ctx)) })),
    );
    await back.start();
    backClient = new GreeterClient(back.address, credentials.createInsecure());

    // The front calls the back while it serves; with name "override" it sets x-md-global-tenant on the call itself.
    const front = greeter(async (ctx, req) => {
      const md = new Metadata();
      if (req.name === "override") md.set("x-md-global-tenant", "set-by-the-handler");
      const reply = await call<HelloReply>((cb) => backClient.sayHello(create(HelloRequestSchema, { name: req.name }), md, cb));
      return create(HelloReplySchema, { message: JSON.stringify({ front: seen(ctx), back: JSON.parse(reply.message) }) });
    });
    const middleware = [tracing({ tracerProvider: frontSpans.provider })];
    frontHTTP = new HTTPServer({ address: "127.0.0.1:0", timeout: 1000, logger, middleware });
    frontGRPC = new GRPCServer({ address: "127.0.0.1:0", timeout: 1000, logger, middleware });
    frontHTTP.registerService(Greeter, front);
    frontGRPC.registerService(Greeter, front);
    await Promise.all([frontHTTP.start(), frontGRPC.start()]);
    frontClient = new GreeterClient(frontGRPC.address, credentials.createInsecure());
  });

  after(async () => {
    backClient.close();
    frontClient.close();
    const force = new AbortController();
    await Promise.all([back.stop(force.signal), frontHTTP.stop(force.signal), frontGRPC.stop(force.signal)]);
  });

  /** through calls the front over one transport with the x-md-* keys of a user, and returns what front and back saw. */
  async function through(kind: "http" | "grpc", name: string): Promise<{ front: Seen; back: Seen }> {
    frontSpans.reset();
    backSpans.reset();
    if (kind === "http") {
      const headers = new Headers({ traceparent, "x-md-global-tenant": "acme", "x-md-local-hop": "one", "x-other": "not metadata" });
      headers.append("x-md-global-roles", "reader");
      headers.append("x-md-global-roles", "writer");
      const res = await fetch(`http://${frontHTTP.address}/helloworld/${name}`, { headers });
      assert.equal(res.status, 200);
      return JSON.parse(((await res.json()) as { message: string }).message);
    }
    const md = new Metadata();
    md.set("traceparent", traceparent);
    md.set("x-md-global-tenant", "acme");
    md.set("x-md-local-hop", "one");
    md.set("x-other", "not metadata");
    md.add("x-md-global-roles", "reader");
    md.add("x-md-global-roles", "writer");
    const reply = await call<HelloReply>((cb) => frontClient.sayHello(create(HelloRequestSchema, { name }), md, cb));
    return JSON.parse(reply.message);
  }

  for (const kind of ["http", "grpc"] as const) {
    it(`${kind}: the handler reads every x-md-* key and value; the back gets the x-md-global-* ones, not x-md-local-*`, async () => {
      const { front, back } = await through(kind, "relay");
      // fetch and grpc-js both send the values of one key as one field joined with ", ", as HTTP allows.
      const roles = ["reader, writer"];
      assert.deepEqual(front.metadata, { "x-md-global-tenant": ["acme"], "x-md-local-hop": ["one"], "x-md-global-roles": roles });
      assert.deepEqual(back.metadata, { "x-md-global-tenant": ["acme"], "x-md-global-roles": roles });
    });

    it(`${kind}: the back's server span is the child of the front's, in the caller's trace`, async () => {
      const { back } = await through(kind, "relay");
      const [frontSpan] = frontSpans.ended();
      const [backSpan] = backSpans.ended();
      assert.equal(frontSpan?.parentSpanContext?.spanId, caller.spanId);
      assert.equal(back.traceparent, `00-${caller.traceId}-${frontSpan?.spanContext().spanId}-01`);
      assert.deepEqual(
        [backSpan?.kind, backSpan?.spanContext().traceId, backSpan?.parentSpanContext?.spanId],
        [SpanKind.SERVER, caller.traceId, frontSpan?.spanContext().spanId],
      );
    });

    it(`${kind}: a key the handler sets on the call itself is sent as it set it`, async () => {
      const { back } = await through(kind, "override");
      assert.deepEqual(back.metadata["x-md-global-tenant"], ["set-by-the-handler"]);
    });
  }

  it("a call made outside any request sends no metadata and no traceparent, and starts a new trace", async () => {
    backSpans.reset();
    const reply = await call<HelloReply>((cb) => backClient.sayHello(create(HelloRequestSchema, { name: "alone" }), cb));
    assert.deepEqual(JSON.parse(reply.message), { metadata: {} });
    const [span] = backSpans.ended();
    assert.equal(span?.parentSpanContext, undefined);
    assert.match(span?.spanContext().traceId ?? "", /^[0-9a-f]{32}$/);
  });
});
