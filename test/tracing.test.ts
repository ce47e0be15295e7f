// Issue 14's "done when", over real sockets: one SayHello over each transport, sent with a traceparent, shows
// the same trace id in the access line, the CreateGreeter line and the spans an OTLP/HTTP collector receives.
import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Metadata } from "@grpc/grpc-js";
import type { LogLine } from "@kratos-ts/kratos/testing";
import { type HelloReply, HelloRequestSchema } from "../api/helloworld/v1/greeter_pb.js";
import { id, Version } from "../cmd/helloworld/info.js";
import { type RunningApp, startApp } from "./support/app.js";
import { call } from "./support/grpc.js";
import { samples, value } from "./support/metrics.js";
import { OTLPReceiver, type ReceivedSpan } from "./support/otlp.js";

const SAY_HELLO = "/helloworld.v1.Greeter/SayHello";
const SERVER = 2;
const CLIENT = 3;

/** The callers' spans: one per transport, each in a trace of its own. */
const callers = {
  http: { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" },
  grpc: { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" },
};
const traceparent = (c: { traceId: string; spanId: string }) => `00-${c.traceId}-${c.spanId}-01`;

describe("tracing: a SayHello over each transport with a traceparent, exported over OTLP/HTTP", () => {
  let receiver: OTLPReceiver;
  let running: RunningApp;
  let lines: Record<"http" | "grpc", LogLine[]>;
  let scrape: string;

  before(async () => {
    receiver = await OTLPReceiver.start();
    running = await startApp({ trace: { endpoint: receiver.endpoint } });
    const res = await fetch(`${running.httpURL}/helloworld/traced-http`, { headers: { traceparent: traceparent(callers.http) } });
    assert.equal(await res.text(), '{"message":"Hello traced-http"}');
    const md = new Metadata();
    md.set("traceparent", traceparent(callers.grpc));
    const reply = await call<HelloReply>((cb) => running.client.sayHello(create(HelloRequestSchema, { name: "traced-grpc" }), md, cb));
    assert.equal(reply.message, "Hello traced-grpc");
    const about = (name: string) =>
      running.logs.lines.filter((l) => l.msg === `CreateGreeter: ${name}` || (l.msg === "access" && (l.args as { name?: string }).name === name));
    lines = { http: about("traced-http"), grpc: about("traced-grpc") };
    scrape = await (await fetch(`${running.httpURL}/metrics`)).text();
    // The stop sends the spans still batched.
    await running.stop();
  });
  after(() => receiver.stop());

  for (const kind of ["http", "grpc"] as const) {
    const caller = callers[kind];

    it(`${kind}: the CreateGreeter line and the access line carry the caller's trace id and the server span's id`, () => {
      assert.deepEqual(
        lines[kind].map((l) => l.msg),
        [`CreateGreeter: traced-${kind}`, "access"],
      );
      const [biz, access] = lines[kind];
      assert.equal(biz?.["trace.id"], caller.traceId);
      assert.equal(access?.["trace.id"], caller.traceId);
      assert.equal(biz?.["span.id"], access?.["span.id"]);
      assert.equal(serverSpan(kind).spanId, access?.["span.id"]);
    });

    it(`${kind}: the collector gets the server span, the child of the caller's, named by operation with the rpc.* and ${kind === "http" ? "http.*" : "rpc.grpc.*"} attributes`, () => {
      const span = serverSpan(kind);
      const { "network.peer.port": peerPort, ...attributes } = span.attributes;
      assert.ok(typeof peerPort === "number" && peerPort > 0, String(peerPort));
      assert.deepEqual(
        { ...span, spanId: undefined, attributes },
        {
          traceId: caller.traceId,
          spanId: undefined,
          parentSpanId: caller.spanId,
          name: SAY_HELLO,
          kind: SERVER,
          attributes: {
            "rpc.system": kind,
            "rpc.service": "helloworld.v1.Greeter",
            "rpc.method": "SayHello",
            "network.peer.address": "127.0.0.1",
            ...(kind === "http"
              ? { "http.request.method": "GET", "url.path": "/helloworld/traced-http", "http.route": "/helloworld/{name}", "http.response.status_code": 200 }
              : { "rpc.grpc.status_code": 0 }),
          },
          status: { code: 0, message: "" },
          resource: { "service.instance.id": id, "service.name": "helloworld", "service.version": Version },
        },
      );
    });

    it(`${kind}: the upsert of the greeting is a client span under the server span`, () => {
      const server = serverSpan(kind);
      const children = receiver.spans.filter((s) => s.parentSpanId === server.spanId);
      assert.deepEqual(
        children.map((s) => ({ ...s, spanId: undefined, resource: undefined, attributes: { ...s.attributes, "db.query.text": undefined } })),
        [
          {
            traceId: caller.traceId,
            spanId: undefined,
            parentSpanId: server.spanId,
            name: "INSERT greeters",
            kind: CLIENT,
            attributes: {
              "db.system.name": "sqlite",
              "db.namespace": ":memory:",
              "db.operation.name": "INSERT",
              "db.collection.name": "greeters",
              "db.query.text": undefined,
            },
            status: { code: 0, message: "" },
            resource: undefined,
          },
        ],
      );
      assert.match(String(children[0]?.attributes["db.query.text"]), /^insert into "greeters" .* on conflict \("hello"\) do update set .* returning \*$/);
    });
  }

  it("the exporter speaks OTLP/HTTP protobuf, and sends no span but these four", () => {
    assert.ok(receiver.contentTypes.length > 0);
    assert.deepEqual([...new Set(receiver.contentTypes)], ["application/x-protobuf"]);
    assert.equal(receiver.spans.length, 4, JSON.stringify(receiver.spans.map((s) => s.name)));
  });

  it("/metrics counts both calls", () => {
    const all = samples(scrape);
    for (const kind of ["http", "grpc"]) {
      assert.equal(value(all, "server_requests_code_total", { kind, operation: SAY_HELLO, code: "200", reason: "" }), 1, kind);
    }
  });

  function serverSpan(kind: "http" | "grpc"): ReceivedSpan {
    const found = receiver.spans.filter((s) => s.kind === SERVER && s.traceId === callers[kind].traceId);
    assert.equal(found.length, 1, JSON.stringify(receiver.spans));
    return found[0] as ReceivedSpan;
  }
});

describe("trace.enabled: false", () => {
  it("makes no span, exports nothing, and leaves trace.id and span.id empty, as kratos-layout does", async () => {
    const receiver = await OTLPReceiver.start();
    const running = await startApp({ trace: { enabled: false, endpoint: receiver.endpoint } });
    try {
      const res = await fetch(`${running.httpURL}/helloworld/untraced`, { headers: { traceparent: traceparent(callers.http) } });
      assert.equal(res.status, 200);
      await res.text();
      const access = await running.logs.waitFor((l) => l.msg === "access");
      const biz = await running.logs.waitFor((l) => l.msg === "CreateGreeter: untraced");
      assert.deepEqual([access["trace.id"], access["span.id"], biz["trace.id"], biz["span.id"]], ["", "", "", ""]);
    } finally {
      await running.stop();
      await receiver.stop();
    }
    assert.deepEqual(receiver.spans, []);
  });
});
