import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, fromBinary, getOption, hasOption } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Client, credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { fromError, STATUS_DETAILS_KEY } from "@kratos-ts/kratos/errors";
import { http } from "@kratos-ts/kratos/gen/google/api/annotations_pb.js";
import { ErrorInfoSchema } from "@kratos-ts/kratos/gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "@kratos-ts/kratos/gen/google/rpc/status_pb.js";
import { newLogger } from "@kratos-ts/kratos/log";
import { LogCapture } from "@kratos-ts/kratos/testing";
import { bindingsOf } from "@kratos-ts/kratos/transport/http";
import { EchoClient, OperationEchoGet } from "./api/echo/v1/echo_grpc.js";
import { Echo, type EchoReply, EchoRequestSchema, FailRequestSchema } from "./api/echo/v1/echo_pb.js";
import { type EchoServers, startEchoServers } from "./support/echo.js";
import { call, callError } from "./support/grpc.js";
import { openReflection } from "./support/reflection.js";

describe("gRPC services through the shared middleware and error model", () => {
  const logs = new LogCapture();
  let s: EchoServers;
  let client: InstanceType<typeof EchoClient>;

  before(async () => {
    s = await startEchoServers(newLogger({ id: "t", name: "echo", version: "t", destination: logs }));
    client = new EchoClient(s.grpcAddress, credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await s.stop();
  });

  it("serves every RPC of the proto over gRPC, and every annotated one over HTTP too", async () => {
    const sample: Record<string, string> = { id: "1", "inner.label": "l", text: "shelves/1/books/2", mode: "ok" };
    let served = 0;
    for (const method of Echo.methods) {
      const req = method.input === FailRequestSchema ? create(FailRequestSchema, { mode: "ok" }) : create(EchoRequestSchema, { id: 1n });
      const reply = await call<EchoReply>((cb) =>
        (client as unknown as Record<string, (...args: unknown[]) => unknown>)[method.localName]?.call(client, req, cb),
      );
      assert.equal(reply.transport, "grpc", method.name);
      const routes = bindingsOf(method);
      assert.equal(routes.length > 0, hasOption(method, http), `${method.name}: a route exactly when the proto has a rule`);
      for (const route of routes) {
        served++;
        const path = route.path.replace(/\{([^}=]+)(=[^}]*)?\}/g, (_, v: string) => sample[v] ?? "x");
        const res = await fetch(`${s.httpURL}${path}`, {
          method: route.method,
          ...(route.body ? { body: "{}", headers: { "content-type": "application/json" } } : {}),
        });
        assert.equal(res.status, 200, `${route.method} ${path}`);
      }
    }
    assert.equal(served, Echo.methods.flatMap((m) => (hasOption(m, http) ? [getOption(m, http), ...getOption(m, http).additionalBindings] : [])).length);
  });

  it("lists every service by reflection, sorted, and an open reflection stream does not hold up a stop", async () => {
    const stream = openReflection(s.grpcAddress);
    const res = await stream.ask({ host: "", messageRequest: { case: "listServices", value: "" } });
    assert.equal(res.messageResponse.case, "listServicesResponse");
    const names = res.messageResponse.case === "listServicesResponse" ? res.messageResponse.value.service.map((x) => x.name) : [];
    assert.deepEqual(names, ["echo.v1.Echo", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]);
    const other = await startEchoServers(newLogger({ id: "t", name: "echo", version: "t", destination: logs }));
    const open = openReflection(other.grpcAddress);
    await open.ask({ host: "", messageRequest: { case: "listServices", value: "" } });
    const force = new AbortController();
    const forced = setTimeout(() => force.abort(), 5000);
    const started = Date.now();
    await other.grpc.stop(force.signal);
    clearTimeout(forced);
    assert.ok(Date.now() - started < 1000, `stop took ${Date.now() - started} ms`);
    await other.stop();
    await open.close();
    await stream.close();
  });

  it("sets the transport kind and full method name as the operation", async () => {
    const reply = await call<EchoReply>((cb) => client.internal(create(EchoRequestSchema, { text: "t" }), cb));
    assert.equal(reply.operation, "/echo.v1.Echo/Internal");
    assert.equal(reply.request?.text, "t");
  });

  it("sends a KratosError as its gRPC code with a google.rpc.ErrorInfo detail", async () => {
    const err = await callError<EchoReply>((cb) => client.fail(create(FailRequestSchema, { mode: "error" }), cb));
    assert.equal(err.code, status.NOT_FOUND);
    assert.equal(err.details, "user not found");
    const rpcStatus = fromBinary(StatusSchema, err.metadata.get(STATUS_DETAILS_KEY)[0] as Buffer);
    assert.equal(rpcStatus.code, status.NOT_FOUND);
    assert.equal(rpcStatus.message, "user not found");
    assert.equal(rpcStatus.details[0]?.typeUrl, "type.googleapis.com/google.rpc.ErrorInfo");
    const detail = rpcStatus.details[0];
    assert.ok(detail, "the status has a detail");
    const info = anyUnpack(detail, ErrorInfoSchema);
    assert.deepEqual(
      { reason: info?.reason, domain: info?.domain, metadata: info?.metadata },
      { reason: "USER_NOT_FOUND", domain: "", metadata: { user: "kratos" } },
    );
    const back = fromError(err);
    assert.deepEqual(back.toStatus(), { code: 404, reason: "USER_NOT_FOUND", message: "user not found", metadata: { user: "kratos" } });
  });

  it("turns a thrown bug into INTERNAL unknown request error, leaking nothing", async () => {
    const err = await callError<EchoReply>((cb) => client.fail(create(FailRequestSchema, { mode: "panic" }), cb));
    assert.equal(err.code, status.INTERNAL);
    assert.equal(err.details, "unknown request error");
    assert.deepEqual(fromError(err).toStatus(), { code: 500, reason: "UNKNOWN", message: "unknown request error", metadata: {} });
    const line = await logs.waitFor((l) => l.msg === "panic recovered: secret internal detail" && l.kind === "grpc");
    assert.equal(line.operation, "/echo.v1.Echo/Fail");
    const ok = await call<EchoReply>((cb) => client.get(create(EchoRequestSchema, {}), cb));
    assert.equal(ok.transport, "grpc");
  });

  it("refuses malformed protobuf without crashing", async () => {
    const raw = new Client(s.grpcAddress, credentials.createInsecure());
    const err = await new Promise<ServiceError>((resolve) => {
      raw.makeUnaryRequest(
        OperationEchoGet,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0x0a, 0xff, 0xff]),
        (e) => resolve(e as ServiceError),
      );
    });
    raw.close();
    assert.equal(err.code, status.INTERNAL);
    assert.equal(err.details, "Error deserializing request");
    const ok = await call<EchoReply>((cb) => client.get(create(EchoRequestSchema, {}), cb));
    assert.equal(ok.transport, "grpc");
  });

  it("passes request metadata in and reply headers out", async () => {
    const md = new Metadata();
    md.set("x-md-test", "1");
    let replyMetadata: Metadata | undefined;
    await call<EchoReply>((cb) => client.fail(create(FailRequestSchema, { mode: "header" }), md, cb).on("metadata", (m) => (replyMetadata = m)));
    assert.deepEqual(replyMetadata?.get("x-echo"), ["yes"]);
    assert.equal(s.echo.contexts.at(-1)?.requestHeader.get("x-md-test"), "1");
  });

  it("takes the client's deadline when it is sooner than the server timeout", async () => {
    const sent = Date.now();
    const deadline = sent + 300;
    await call<EchoReply>((cb) => client.get(create(EchoRequestSchema, {}), new Metadata(), { deadline }, cb));
    const elapsed = Date.now() - sent;
    const ctx = s.echo.contexts.at(-1);
    // The server rebuilds the deadline from the grpc-timeout header on arrival, so it lands later by at most
    // the time the call took to arrive (bounded by the whole call); the server's own 1s timeout would be far later.
    assert.ok(ctx, "the handler ran");
    assert.ok(ctx.deadline >= deadline - 2 && ctx.deadline <= deadline + elapsed + 2, `ctx deadline ${ctx.deadline} vs ${deadline}, call took ${elapsed} ms`);
  });

  it("answers DEADLINE_EXCEEDED at the server timeout even when the handler ignores its signal and takes longer", async () => {
    const start = Date.now();
    const err = await callError((cb) => client.fail(create(FailRequestSchema, { mode: "slow", wait: { seconds: 3n } }), cb));
    const took = Date.now() - start;
    assert.deepEqual({ code: err.code, details: err.details }, { code: status.DEADLINE_EXCEEDED, details: "context deadline exceeded" });
    // The server's timeout here is 1s; the handler would take 3s.
    assert.ok(took >= 950 && took < 2500, `answered after ${took} ms`);
    assert.equal(s.echo.contexts.at(-1)?.signal.aborted, true, "the handler's signal told it to give up");
  });
});
