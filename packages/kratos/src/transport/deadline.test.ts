import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrDeadlineExceeded } from "../errors/abort.js";
import { testContext } from "../testing/context.js";
import { withinDeadline } from "./deadline.js";

describe("withinDeadline", () => {
  it("settles as the method does when it finishes in time", async () => {
    assert.equal(await withinDeadline(async () => "reply")(testContext({ timeoutMs: 1000 }), {}), "reply");
    await assert.rejects(
      withinDeadline(async () => {
        throw new Error("own");
      })(testContext({ timeoutMs: 1000 }), {}),
      /own/,
    );
  });

  it("rejects at the deadline, before the signal aborts, when the method has not settled", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
    const ctx = testContext({ timeoutMs: 50 });
    const order: string[] = [];
    const answer = withinDeadline(
      (c) =>
        new Promise((_, reject) => {
          c.signal.addEventListener("abort", () => {
            order.push("signal aborted");
            reject(new Error("the method's own"));
          });
        }),
    )(ctx, {}).catch((err: unknown) => {
      order.push("answered");
      throw err;
    });
    t.mock.timers.tick(49);
    assert.deepEqual(order, [], "not before the deadline");
    t.mock.timers.tick(1);
    await assert.rejects(answer, (err) => err === ErrDeadlineExceeded);
    assert.deepEqual(order, ["signal aborted", "answered"]);
    assert.equal(ctx.signal.aborted, true);
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
