import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KratosError } from "../errors/errors.js";
import { ErrUnknownRequest } from "../errors/public.js";
import { newLogger } from "../log/logger.js";
import { testContext } from "../testing/context.js";
import { LogCapture } from "../testing/logs.js";
import { chain, type Middleware } from "./middleware.js";
import { recovery } from "./recovery.js";

describe("middleware", () => {
  it("chains so that the first middleware runs outermost", async () => {
    const order: string[] = [];
    const tag =
      (name: string): Middleware =>
      (next) =>
      async (ctx, req) => {
        order.push(`${name} in`);
        const reply = await next(ctx, req);
        order.push(`${name} out`);
        return reply;
      };
    const handler = chain(
      tag("a"),
      tag("b"),
    )(async (_ctx, req) => {
      order.push("handler");
      return req;
    });
    assert.equal(await handler(testContext(), "x"), "x");
    assert.deepEqual(order, ["a in", "b in", "handler", "b out", "a out"]);
  });

  it("recovery lets a KratosError through and turns anything else into 500 UNKNOWN, logged", async () => {
    const logs = new LogCapture();
    const rec = recovery(newLogger({ id: "t", name: "t", version: "t", destination: logs }));
    const typed = new KratosError(404, "USER_NOT_FOUND", "user not found");
    await assert.rejects(rec(async () => Promise.reject(typed))(testContext(), {}), (err) => err === typed);
    await assert.rejects(rec(async () => Promise.reject("a string"))(testContext({ operation: "/x/Y" }), {}), (err) =>
      (err as KratosError).is(ErrUnknownRequest),
    );
    assert.deepEqual(logs.messages(), ["panic recovered: a string"]);
    assert.equal(logs.lines[0]?.operation, "/x/Y");
  });
});
