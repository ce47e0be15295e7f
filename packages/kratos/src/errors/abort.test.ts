import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrCanceled, ErrDeadlineExceeded, untilAborted } from "./abort.js";

describe("untilAborted", () => {
  it("settles as the work does while the signal stays quiet", async () => {
    const signal = new AbortController().signal;
    assert.equal(await untilAborted(signal, Promise.resolve(7)), 7);
    await assert.rejects(untilAborted(signal, Promise.reject(new Error("boom"))), { message: "boom" });
  });

  it("rejects with 504 DEADLINE_EXCEEDED when the deadline passes first, and with 499 CANCELED when the client goes", async () => {
    const never = new Promise<never>(() => {});
    const timeout = new AbortController();
    const timedOut = untilAborted(timeout.signal, never);
    timeout.abort(new DOMException("context deadline exceeded", "TimeoutError"));
    await assert.rejects(timedOut, (err) => ErrDeadlineExceeded.is(err));
    const gone = new AbortController();
    const canceled = untilAborted(gone.signal, never);
    gone.abort(new DOMException("context canceled", "AbortError"));
    await assert.rejects(canceled, (err) => ErrCanceled.is(err));
  });

  it("rejects at once on a signal that has aborted already", async () => {
    const done = new AbortController();
    done.abort(new DOMException("context deadline exceeded", "TimeoutError"));
    await assert.rejects(untilAborted(done.signal, Promise.resolve(1)), (err) => ErrDeadlineExceeded.is(err));
  });
});
