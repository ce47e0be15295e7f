import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status as S } from "@grpc/grpc-js";
import { fromGRPCCode, toGRPCCode } from "./codes.js";
import { code, fromError, KratosError, notFound, reason } from "./errors.js";
import { fromServiceError, toGRPCStatus } from "./grpc.js";

describe("the Kratos error model", () => {
  it("maps HTTP codes to gRPC codes exactly as Kratos", () => {
    const table: Array<[number, S]> = [
      [200, S.OK],
      [400, S.INVALID_ARGUMENT],
      [401, S.UNAUTHENTICATED],
      [403, S.PERMISSION_DENIED],
      [404, S.NOT_FOUND],
      [409, S.ABORTED],
      [429, S.RESOURCE_EXHAUSTED],
      [500, S.INTERNAL],
      [501, S.UNIMPLEMENTED],
      [503, S.UNAVAILABLE],
      [504, S.DEADLINE_EXCEEDED],
      [499, S.CANCELLED],
      [418, S.UNKNOWN],
      [302, S.UNKNOWN],
    ];
    assert.deepEqual(
      table.map(([h]) => toGRPCCode(h)),
      table.map(([, g]) => g),
    );
  });

  it("maps gRPC codes to HTTP codes exactly as Kratos", () => {
    const table: Array<[S, number]> = [
      [S.OK, 200],
      [S.CANCELLED, 499],
      [S.UNKNOWN, 500],
      [S.INVALID_ARGUMENT, 400],
      [S.DEADLINE_EXCEEDED, 504],
      [S.NOT_FOUND, 404],
      [S.ALREADY_EXISTS, 409],
      [S.PERMISSION_DENIED, 403],
      [S.UNAUTHENTICATED, 401],
      [S.RESOURCE_EXHAUSTED, 429],
      [S.FAILED_PRECONDITION, 400],
      [S.ABORTED, 409],
      [S.OUT_OF_RANGE, 400],
      [S.UNIMPLEMENTED, 501],
      [S.INTERNAL, 500],
      [S.UNAVAILABLE, 503],
      [S.DATA_LOSS, 500],
      [99 as S, 500],
    ];
    assert.deepEqual(
      table.map(([g]) => fromGRPCCode(g)),
      table.map(([, h]) => h),
    );
  });

  it("finds a KratosError through a cause chain, and makes anything else an unknown 500", () => {
    const e = notFound("USER_NOT_FOUND", "user not found");
    assert.equal(fromError(new Error("wrapped", { cause: e })), e);
    assert.deepEqual(fromError(new Error("boom")).toStatus(), { code: 500, reason: "", message: "boom", metadata: {} });
    assert.equal(code(undefined), 200);
    assert.equal(code(e), 404);
    assert.equal(reason(e), "USER_NOT_FOUND");
  });

  it("compares by code and reason, and copies on withCause and withMetadata", () => {
    const e = new KratosError(404, "USER_NOT_FOUND", "user not found");
    const m = e.withMetadata({ id: "1" });
    assert.equal(e.is(m), true);
    assert.deepEqual(e.metadata, {});
    assert.deepEqual(m.metadata, { id: "1" });
    const cause = new Error("db down");
    assert.equal(e.withCause(cause).cause, cause);
    assert.equal(e.cause, undefined);
    assert.equal(e.is(new KratosError(404, "OTHER", "user not found")), false);
    assert.equal(String(m), 'error: code = 404 reason = USER_NOT_FOUND message = user not found metadata = {"id":"1"}');
  });

  it("round-trips code, reason, message and metadata through a gRPC status", () => {
    const s = toGRPCStatus({ code: 409, reason: "TAKEN", message: "name taken", metadata: { name: "kratos" } });
    assert.equal(s.code, S.ABORTED);
    assert.equal(s.details, "name taken");
    const err = Object.assign(new Error("9 ABORTED: name taken"), { code: s.code, details: s.details, metadata: s.metadata });
    assert.deepEqual(fromServiceError(err), { code: 409, reason: "TAKEN", message: "name taken", metadata: { name: "kratos" } });
  });
});
