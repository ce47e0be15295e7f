import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, fromBinary, toJson } from "@bufbuild/protobuf";
import { type Any, anyUnpack } from "@bufbuild/protobuf/wkt";
import { type ServiceError, status } from "@grpc/grpc-js";
import { findError, STATUS_DETAILS_KEY } from "@kratos-ts/kratos/errors";
import { BadRequestSchema, ErrorInfoSchema } from "@kratos-ts/kratos/gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "@kratos-ts/kratos/gen/google/rpc/status_pb.js";
import type { GreeterClient } from "../api/helloworld/v1/greeter_grpc.js";
import {
  type CreateGreeterReply,
  CreateGreeterRequestSchema,
  type DeleteGreeterReply,
  DeleteGreeterRequestSchema,
  type GetGreeterReply,
  GetGreeterRequestSchema,
  type HelloReply,
  HelloRequestSchema,
  type ListGreetersReply,
  ListGreetersRequestSchema,
  type UpdateGreeterReply,
  UpdateGreeterRequestSchema,
} from "../api/helloworld/v1/greeter_pb.js";
import { type RunningApp, startApp } from "./support/app.js";
import { call, callError } from "./support/grpc.js";

/** The exact HTTP body of a request that breaks greeter.proto's rules. */
const validatorBody = (message: string) => JSON.stringify({ code: 400, reason: "VALIDATOR", message, metadata: {} });

const tooShort = "must be at least 1 characters";
const tooLong = "must be at most 128 characters";
const notPositive = "must be greater than 0";
const pageSizeRange = "must be greater than or equal to 0 and less than or equal to 1000";

describe("validation of greeter.proto's rules over real sockets", () => {
  let running: RunningApp;
  let client: InstanceType<typeof GreeterClient>;

  before(async () => {
    running = await startApp();
    client = running.client;
  });

  after(async () => {
    await running.stop();
  });

  async function http(method: string, path: string, body?: string): Promise<{ status: number; contentType: string | null; text: string }> {
    const init: RequestInit = body === undefined ? { method } : { method, body, headers: { "content-type": "application/json" } };
    const res = await fetch(`${running.httpURL}${path}`, init);
    return { status: res.status, contentType: res.headers.get("content-type"), text: await res.text() };
  }

  /** refused asserts the exact 400 VALIDATOR reply of a request. */
  async function refused(method: string, path: string, body: string | undefined, message: string): Promise<void> {
    const res = await http(method, path, body);
    assert.equal(res.status, 400, `${method} ${path} ${body ?? ""}: ${res.text}`);
    assert.equal(res.contentType, "application/json");
    assert.equal(res.text, validatorBody(message), `${method} ${path}`);
  }

  const hellos = async (hello: string) =>
    (JSON.parse((await http("GET", `/v1/greeters?hello=${encodeURIComponent(hello)}`)).text) as ListGreetersReply).greeters;

  describe("over HTTP", () => {
    it("refuses an empty or unset hello with 400 VALIDATOR naming the field, and creates nothing", async () => {
      for (const body of ['{"hello":""}', "{}"]) {
        await refused("POST", "/v1/greeters", body, `invalid CreateGreeterRequest.hello: ${tooShort}`);
      }
      assert.equal((await http("GET", "/v1/greeters?page_size=1000")).text, '{"greeters":[],"nextPageToken":""}');
    });

    it("takes a name of 128 characters and refuses one of 129, which SayHello never sees", async () => {
      const ok = await http("GET", `/helloworld/${"n".repeat(128)}`);
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.text, `{"message":"Hello ${"n".repeat(128)}"}`);
      await refused("GET", `/helloworld/${"m".repeat(129)}`, undefined, `invalid HelloRequest.name: ${tooLong}`);
      assert.deepEqual(await hellos("m".repeat(129)), []);
      assert.equal(running.logs.messages().filter((m) => m.startsWith("CreateGreeter: m")).length, 0, "the handler ran");
    });

    it("counts characters, not bytes: 128 two-byte or four-byte characters pass, 129 do not", async () => {
      for (const c of ["é", "😀"]) {
        const name = c.repeat(128);
        assert.equal(Buffer.byteLength(name), 128 * Buffer.byteLength(c));
        const res = await http("GET", `/helloworld/${encodeURIComponent(name)}`);
        assert.equal(res.status, 200, res.text);
        assert.equal((JSON.parse(res.text) as HelloReply).message, `Hello ${name}`);
        await refused("GET", `/helloworld/${encodeURIComponent(c.repeat(129))}`, undefined, `invalid HelloRequest.name: ${tooLong}`);
        const created = await http("POST", "/v1/greeters", JSON.stringify({ hello: `${c.repeat(127)}!` }));
        assert.equal(created.status, 200, created.text);
      }
    });

    it("refuses an id of 0 or below on GET, PATCH and DELETE with 400 VALIDATOR", async () => {
      for (const id of ["0", "-1", "-9223372036854775808"]) {
        await refused("GET", `/v1/greeters/${id}`, undefined, `invalid GetGreeterRequest.id: ${notPositive}`);
        await refused("PATCH", `/v1/greeters/${id}`, '{"hello":"x"}', `invalid UpdateGreeterRequest.id: ${notPositive}`);
        await refused("DELETE", `/v1/greeters/${id}`, undefined, `invalid DeleteGreeterRequest.id: ${notPositive}`);
      }
    });

    it("names every field a request breaks, in field order", async () => {
      await refused(
        "PATCH",
        "/v1/greeters/0",
        '{"hello":""}',
        `invalid UpdateGreeterRequest.id: ${notPositive}; invalid UpdateGreeterRequest.hello: ${tooShort}`,
      );
      await refused("PATCH", "/v1/greeters/1", `{"hello":"${"h".repeat(129)}"}`, `invalid UpdateGreeterRequest.hello: ${tooLong}`);
    });

    it("takes page_size 0 to 1000 and refuses 1001 or a negative one", async () => {
      for (const size of ["0", "1", "1000"]) {
        const res = await http("GET", `/v1/greeters?page_size=${size}`);
        assert.equal(res.status, 200, `${size}: ${res.text}`);
      }
      for (const size of ["1001", "-1", "2147483647"]) {
        await refused("GET", `/v1/greeters?page_size=${size}`, undefined, `invalid ListGreetersRequest.page_size: ${pageSizeRange}`);
      }
    });

    it("validates after binding: a value that cannot be bound is still 400 CODEC", async () => {
      const res = await http("GET", "/v1/greeters?page_size=ten");
      assert.equal(res.status, 400);
      assert.equal((JSON.parse(res.text) as { reason: string }).reason, "CODEC");
    });
  });

  describe("over gRPC", () => {
    /** detailsOf decodes the google.rpc.Status a failed call carries: its ErrorInfo and BadRequest, as JSON. */
    function detailsOf(err: ServiceError) {
      const rpcStatus = fromBinary(StatusSchema, err.metadata.get(STATUS_DETAILS_KEY)[0] as Buffer);
      assert.deepEqual(
        rpcStatus.details.map((d) => d.typeUrl),
        ["type.googleapis.com/google.rpc.ErrorInfo", "type.googleapis.com/google.rpc.BadRequest"],
      );
      const [info, badRequest] = rpcStatus.details as [Any, Any];
      return {
        code: err.code,
        message: err.details,
        statusCode: rpcStatus.code,
        statusMessage: rpcStatus.message,
        errorInfo: toJson(ErrorInfoSchema, anyUnpack(info, ErrorInfoSchema) ?? assert.fail("no ErrorInfo")),
        badRequest: toJson(BadRequestSchema, anyUnpack(badRequest, BadRequestSchema) ?? assert.fail("no BadRequest")),
      };
    }

    it("refuses an empty name with INVALID_ARGUMENT, a google.rpc.ErrorInfo reason VALIDATOR and a google.rpc.BadRequest", async () => {
      const err = await callError<HelloReply>((cb) => client.sayHello(create(HelloRequestSchema, { name: "" }), cb));
      const message = `invalid HelloRequest.name: ${tooShort}`;
      assert.deepEqual(detailsOf(err), {
        code: status.INVALID_ARGUMENT,
        message,
        statusCode: status.INVALID_ARGUMENT,
        statusMessage: message,
        errorInfo: { reason: "VALIDATOR" },
        badRequest: { fieldViolations: [{ field: "name", description: tooShort, reason: "string.min_len" }] },
      });
      // A client of the framework reads the same KratosError back, the BadRequest still packed in its details.
      const kratos = findError(err);
      assert.ok(kratos);
      assert.deepEqual(kratos.toStatus(), { code: 400, reason: "VALIDATOR", message, metadata: {} });
      assert.deepEqual(
        kratos.details.map((d) => toJson(BadRequestSchema, anyUnpack(d, BadRequestSchema) ?? assert.fail("not a BadRequest"))),
        [{ fieldViolations: [{ field: "name", description: tooShort, reason: "string.min_len" }] }],
      );
    });

    it("takes a name of 128 characters, multi-byte ones too, and refuses one of 129", async () => {
      for (const name of ["n".repeat(128), "é".repeat(128), "😀".repeat(128)]) {
        const reply = await call<HelloReply>((cb) => client.sayHello(create(HelloRequestSchema, { name }), cb));
        assert.equal(reply.message, `Hello ${name}`);
      }
      const err = await callError<HelloReply>((cb) => client.sayHello(create(HelloRequestSchema, { name: "é".repeat(129) }), cb));
      assert.deepEqual(detailsOf(err).badRequest, { fieldViolations: [{ field: "name", description: tooLong, reason: "string.max_len" }] });
      assert.equal(err.details, `invalid HelloRequest.name: ${tooLong}`);
    });

    it("refuses an id of 0 with INVALID_ARGUMENT on GetGreeter, UpdateGreeter and DeleteGreeter", async () => {
      const calls: Array<[string, (cb: (err: ServiceError | null) => void) => unknown]> = [
        ["GetGreeterRequest", (cb) => client.getGreeter(create(GetGreeterRequestSchema, { id: 0n }), cb)],
        ["UpdateGreeterRequest", (cb) => client.updateGreeter(create(UpdateGreeterRequestSchema, { id: 0n, hello: "x" }), cb)],
        ["DeleteGreeterRequest", (cb) => client.deleteGreeter(create(DeleteGreeterRequestSchema, { id: -1n }), cb)],
      ];
      for (const [message, start] of calls) {
        const d = detailsOf(await callError<GetGreeterReply | UpdateGreeterReply | DeleteGreeterReply>(start));
        assert.equal(d.code, status.INVALID_ARGUMENT, message);
        assert.equal(d.message, `invalid ${message}.id: ${notPositive}`);
        assert.deepEqual(d.errorInfo, { reason: "VALIDATOR" });
        assert.deepEqual(d.badRequest, { fieldViolations: [{ field: "id", description: notPositive, reason: "int64.gt" }] });
      }
    });

    it("lists one field violation for each field a request breaks", async () => {
      const err = await callError<UpdateGreeterReply>((cb) => client.updateGreeter(create(UpdateGreeterRequestSchema, { id: 0n, hello: "" }), cb));
      assert.deepEqual(detailsOf(err).badRequest, {
        fieldViolations: [
          { field: "id", description: notPositive, reason: "int64.gt" },
          { field: "hello", description: tooShort, reason: "string.min_len" },
        ],
      });
      const empty = await callError<CreateGreeterReply>((cb) => client.createGreeter(create(CreateGreeterRequestSchema, {}), cb));
      assert.equal(empty.details, `invalid CreateGreeterRequest.hello: ${tooShort}`);
    });

    it("takes page_size 1000 and refuses 1001 with INVALID_ARGUMENT", async () => {
      const page = await call<ListGreetersReply>((cb) => client.listGreeters(create(ListGreetersRequestSchema, { pageSize: 1000 }), cb));
      assert.ok(page.greeters.length > 0);
      const err = await callError<ListGreetersReply>((cb) => client.listGreeters(create(ListGreetersRequestSchema, { pageSize: 1001 }), cb));
      assert.deepEqual(detailsOf(err), {
        code: status.INVALID_ARGUMENT,
        message: `invalid ListGreetersRequest.page_size: ${pageSizeRange}`,
        statusCode: status.INVALID_ARGUMENT,
        statusMessage: `invalid ListGreetersRequest.page_size: ${pageSizeRange}`,
        errorInfo: { reason: "VALIDATOR" },
        badRequest: { fieldViolations: [{ field: "page_size", description: pageSizeRange, reason: "int32.gte_lte" }] },
      });
    });
  });
});
