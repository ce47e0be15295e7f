import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrCanceled, ErrDeadlineExceeded } from "../errors/abort.js";
import { KratosError } from "../errors/errors.js";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { operationOf, TransportContext } from "./context.js";
import { Header } from "./header.js";
import { createContextKey } from "./values.js";

describe("Context", () => {
  const method = Health.method.check;

  it("names the operation after the method descriptor, unless the transport passes it", () => {
    assert.equal(operationOf(method), "/grpc.health.v1.Health/Check");
    const ctx = new TransportContext({ kind: "http", method, deadline: 0 });
    assert.equal(ctx.operation, "/grpc.health.v1.Health/Check");
    assert.equal(ctx.method.parent.typeName, "grpc.health.v1.Health");
    assert.equal(ctx.method.input.typeName, "grpc.health.v1.HealthCheckRequest");
    assert.equal(new TransportContext({ kind: "grpc", method, operation: "/x/Y", deadline: 0 }).operation, "/x/Y");
  });

  it("reads the request header once, and only when asked", () => {
    let reads = 0;
    const ctx = new TransportContext({
      kind: "grpc",
      method,
      deadline: 0,
      requestHeader: () => {
        reads++;
        const h = new Header();
        h.add("X-A", "1");
        return h;
      },
    });
    assert.equal(reads, 0);
    assert.equal(ctx.requestHeader.get("x-a"), "1");
    assert.equal(ctx.requestHeader.get("X-A"), "1");
    assert.equal(reads, 1);
  });

  it("reports a reply header only once something was set on it", () => {
    const ctx = new TransportContext({ kind: "grpc", method, deadline: 0 });
    assert.equal(ctx.replyHeaderIfSet, undefined);
    ctx.replyHeader.keys();
    assert.equal(ctx.replyHeaderIfSet, undefined);
    ctx.replyHeader.set("x-b", "2");
    assert.deepEqual((ctx.replyHeaderIfSet as Header | undefined)?.values("x-b"), ["2"]);
  });

  it("keeps typed values per request, with the key's default where none was set", () => {
    const user = createContextKey<string | undefined>(undefined, { description: "user" });
    const attempts = createContextKey(1);
    const a = new TransportContext({ kind: "grpc", method, deadline: 0 });
    const b = new TransportContext({ kind: "grpc", method, deadline: 0 });
    a.values.set(user, "alice").set(attempts, 3);
    assert.equal(a.values.get(user), "alice");
    assert.equal(a.values.get(attempts), 3);
    assert.equal(b.values.get(user), undefined);
    assert.equal(b.values.get(attempts), 1);
    assert.equal(a.values.has(user), true);
    a.values.delete(user);
    assert.equal(a.values.has(user), false);
    assert.equal(a.values.get(user), undefined);
  });

  it("aborts its signal with context deadline exceeded once the deadline has passed", () => {
    const ctx = new TransportContext({ kind: "grpc", method, deadline: Date.now() - 1 });
    assert.equal(ctx.signal.aborted, true);
    assert.equal((ctx.signal.reason as DOMException).name, "TimeoutError");
    assert.equal((ctx.signal.reason as DOMException).message, "context deadline exceeded");
  });

  it("aborts its signal with context canceled when the client goes away", () => {
    const gone: Array<() => void> = [];
    const ctx = new TransportContext({ kind: "http", method, deadline: Date.now() + 60_000, onClientGone: (abort) => gone.push(abort) });
    assert.equal(gone.length, 0, "the transport is asked only once the signal is read");
    const signal = ctx.signal;
    assert.equal(gone.length, 1);
    gone[0]?.();
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as DOMException).message, "context canceled");
    ctx.done();
  });

  it("gives a handler that reads its signal after the request was answered an aborted one: canceled, or past the deadline", () => {
    const early = new TransportContext({ kind: "grpc", method, deadline: Date.now() + 60_000 });
    early.done();
    assert.deepEqual([early.signal.aborted, (early.signal.reason as DOMException).message], [true, "context canceled"]);
    const late = new TransportContext({ kind: "grpc", method, deadline: Date.now() - 1 });
    late.done();
    assert.deepEqual([late.signal.aborted, (late.signal.reason as DOMException).message], [true, "context deadline exceeded"]);
  });

  describe("race", () => {
    const never = new Promise<never>(() => {});
    const reasonOf = async (p: Promise<unknown>) =>
      p.then(
        () => "resolved",
        (err: unknown) => (err instanceof KratosError ? `${err.code} ${err.reason}` : String(err)),
      );

    it("settles as the work does, and asks the transport for the client's going once however many race", async () => {
      let hooks = 0;
      const ctx = new TransportContext({ kind: "grpc", method, deadline: Date.now() + 60_000, onClientGone: () => hooks++ });
      assert.equal(await ctx.race(Promise.resolve(7)), 7);
      assert.equal(await reasonOf(ctx.race(Promise.reject(new Error("query failed")))), "Error: query failed");
      assert.equal(hooks, 1);
      ctx.done();
    });

    it("rejects with ErrDeadlineExceeded when the deadline passes first, and every other expiry callback still runs", async () => {
      const ctx = new TransportContext({ kind: "grpc", method, deadline: Date.now() + 20 });
      const raced = reasonOf(ctx.race(never));
      const after: string[] = [];
      ctx.onExpire(() => after.push("registered after the race"));
      // The deadline's timer is unref'd, as a server's sockets keep its loop alive: here a timer of the test's does.
      const alive = setInterval(() => {}, 1000);
      assert.equal(await raced, `${ErrDeadlineExceeded.code} ${ErrDeadlineExceeded.reason}`);
      clearInterval(alive);
      assert.deepEqual(after, ["registered after the race"]);
      ctx.done();
    });

    it("rejects every race with ErrCanceled when the client goes away first, and the signal made later aborts too", async () => {
      const gone: Array<() => void> = [];
      const ctx = new TransportContext({ kind: "http", method, deadline: Date.now() + 60_000, onClientGone: (abort) => gone.push(abort) });
      const raced = [reasonOf(ctx.race(never)), reasonOf(ctx.race(never))];
      const signal = ctx.signal;
      assert.equal(gone.length, 1);
      gone[0]?.();
      const canceled = `${ErrCanceled.code} ${ErrCanceled.reason}`;
      assert.deepEqual(await Promise.all(raced), [canceled, canceled]);
      assert.deepEqual([signal.aborted, (signal.reason as DOMException).message], [true, "context canceled"]);
      ctx.done();
    });

    it("rejects at once once the request was answered, or when its deadline has passed", async () => {
      const answered = new TransportContext({ kind: "grpc", method, deadline: Date.now() + 60_000 });
      answered.done();
      assert.equal(await reasonOf(answered.race(never)), `${ErrCanceled.code} ${ErrCanceled.reason}`);
      const late = new TransportContext({ kind: "grpc", method, deadline: Date.now() - 1 });
      assert.equal(await reasonOf(late.race(never)), `${ErrDeadlineExceeded.code} ${ErrDeadlineExceeded.reason}`);
      late.done();
    });
  });
});
