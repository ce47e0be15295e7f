import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, fromBinary } from "@bufbuild/protobuf";
import { type Any, anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import { status as S } from "@grpc/grpc-js";
import { BadRequestSchema, ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../gen/google/rpc/status_pb.js";
import { fromGRPCCode, toGRPCCode } from "./codes.js";
import { code, fromError, KratosError, notFound, reason } from "./errors.js";
import { fromServiceError, readServiceError, STATUS_DETAILS_KEY, toGRPCStatus } from "./grpc.js";

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

  it("sends withGRPCCode's code instead of the mapped one, keeps it through copies, and reads back the same HTTP code", () => {
    const taken = new KratosError(409, "TAKEN", "name taken").withGRPCCode(S.ALREADY_EXISTS);
    for (const e of [taken, taken.withCause(new Error("unique")), taken.withMetadata({ name: "kratos" }), taken.withDetails()]) {
      assert.equal(e.grpcCode, S.ALREADY_EXISTS);
      assert.equal(toGRPCStatus(e).code, S.ALREADY_EXISTS);
    }
    assert.equal(toGRPCStatus(new KratosError(409, "TAKEN", "name taken")).code, S.ABORTED);
    const s = toGRPCStatus(taken);
    const err = Object.assign(new Error("6 ALREADY_EXISTS: name taken"), { code: s.code, details: s.details, metadata: s.metadata });
    assert.deepEqual(fromServiceError(err), { code: 409, reason: "TAKEN", message: "name taken", metadata: {} });
  });

  it("carries typed details through withCause and withMetadata, keeps them out of the HTTP body, and sends them after the ErrorInfo", () => {
    const violations = create(BadRequestSchema, { fieldViolations: [{ field: "name", description: "too short", reason: "string.min_len" }] });
    const e = new KratosError(400, "VALIDATOR", "invalid Req.name: too short").withDetails(anyPack(BadRequestSchema, violations));
    assert.equal(e.details.length, 1);
    assert.equal(e.withCause(new Error("x")).details, e.details);
    assert.equal(e.withMetadata({ a: "b" }).details, e.details);
    assert.equal(new KratosError(400, "VALIDATOR", "m").details.length, 0);
    assert.deepEqual(e.toStatus(), { code: 400, reason: "VALIDATOR", message: "invalid Req.name: too short", metadata: {} });

    const s = toGRPCStatus(e);
    const sent = fromBinary(StatusSchema, s.metadata.get(STATUS_DETAILS_KEY)[0] as Buffer);
    assert.deepEqual(
      sent.details.map((d) => d.typeUrl),
      ["type.googleapis.com/google.rpc.ErrorInfo", "type.googleapis.com/google.rpc.BadRequest"],
    );
    assert.equal(anyUnpack(sent.details[0] as Any, ErrorInfoSchema)?.reason, "VALIDATOR");

    const err = Object.assign(new Error("3 INVALID_ARGUMENT: invalid Req.name: too short"), { code: s.code, details: s.details, metadata: s.metadata });
    const received = readServiceError(err);
    assert.deepEqual(received?.status, e.toStatus());
    assert.deepEqual(anyUnpack(received?.details[0] as Any, BadRequestSchema), violations);
    assert.deepEqual(fromServiceError(err), e.toStatus(), "fromServiceError is the status alone");
    const found = fromError(err);
    assert.equal(found.details.length, 1);
    assert.deepEqual(anyUnpack(found.details[0] as Any, BadRequestSchema), violations);
  });
});
