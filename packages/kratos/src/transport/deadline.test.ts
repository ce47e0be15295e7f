import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrDeadlineExceeded } from "../errors/abort.js";
import { testContext } from "../testing/context.js";
import { withinDeadline } from "./deadline.js";

describe("withinDeadline", () => {
  it("settles as the method does when it finishes in time, and rejects at the deadline when it does not", async () => {
    assert.equal(await withinDeadline(async () => "reply")(testContext({ timeoutMs: 1000 }), {}), "reply");
    await assert.rejects(
      withinDeadline(async () => {
        throw new Error("own");
      })(testContext({ timeoutMs: 1000 }), {}),
      /own/,
    );
    let release: (v: string) => void = () => {};
    const start = Date.now();
    const late = withinDeadline(() => new Promise((resolve) => (release = resolve)))(testContext({ timeoutMs: 50 }), {});
    await assert.rejects(late, (err) => err === ErrDeadlineExceeded);
    assert.ok(Date.now() - start >= 45, "not before the deadline");
    release("too late");
  });

  it("rejects at once for a deadline already past, and leaves the method's own failure handled", async () => {
    const ctx = testContext({ timeoutMs: -1 });
    await assert.rejects(withinDeadline(() => Promise.reject(new Error("unheard")))(ctx, {}), (err) => err === ErrDeadlineExceeded);
    // A synchronous throw is the method's failure, before any deadline is looked at.
    await assert.rejects(
      withinDeadline(() => {
        throw new Error("sync");
      })(ctx, {}),
      /sync/,
    );
  });
});
