import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  create,
  createFileRegistry,
  createRegistry,
  type DescField,
  type DescMessage,
  type DescMethod,
  fromJson,
  type JsonObject,
  type Message,
  toJson,
} from "@bufbuild/protobuf";
import { type Any, anyUnpack, FileDescriptorProtoSchema, file_google_protobuf_descriptor } from "@bufbuild/protobuf/wkt";
import { CompilationError, ValidationError } from "@bufbuild/protovalidate";
import { file_buf_validate_validate as upstream } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { KratosError } from "../errors/errors.js";
import { readServiceError, toGRPCStatus } from "../errors/grpc.js";
import { file_buf_validate_validate } from "../gen/buf/validate/validate_pb.js";
import { BadRequestSchema } from "../gen/google/rpc/error_details_pb.js";
import { testContext } from "../testing/context.js";
import { chain } from "./middleware.js";
import { VALIDATOR_REASON, validate } from "./validate.js";

// A service whose request declares rules, compiled against the framework's restated buf/validate/validate.proto.
const field = (name: string, number: number, type: string, rules?: JsonObject): JsonObject => ({
  name,
  number,
  type: `TYPE_${type}`,
  label: "LABEL_OPTIONAL",
  jsonName: name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
  ...(rules ? { options: { "[buf.validate.field]": rules } } : {}),
});
const proto = fromJson(
  FileDescriptorProtoSchema,
  {
    name: "probe.proto",
    package: "probe",
    syntax: "proto3",
    dependency: ["buf/validate/validate.proto"],
    messageType: [
      {
        name: "Req",
        field: [
          field("title", 1, "STRING", { string: { minLen: "1", maxLen: "3" } }),
          field("page_size", 2, "INT32", { int32: { gte: 0, lt: 10 } }),
          field("id", 3, "INT64", { int64: { gt: "0" } }),
          field("note", 4, "STRING"),
        ],
      },
      // A string rule on an integer: protovalidate cannot compile it.
      { name: "Broken", field: [field("n", 1, "INT32", { string: { minLen: "1" } })] },
      { name: "Reply" },
    ],
    service: [
      {
        name: "Probe",
        method: [
          { name: "Call", inputType: ".probe.Req", outputType: ".probe.Reply" },
          { name: "Break", inputType: ".probe.Broken", outputType: ".probe.Reply" },
        ],
      },
    ],
  },
  { registry: createRegistry(file_buf_validate_validate) },
);
const registry = createFileRegistry(proto, (name) =>
  name === "buf/validate/validate.proto"
    ? file_buf_validate_validate
    : name === "google/protobuf/descriptor.proto"
      ? file_google_protobuf_descriptor
      : undefined,
);
const service = registry.getService("probe.Probe");
const method = (name: string) => service?.methods.find((m) => m.name === name) as DescMethod;
const Req = registry.getMessage("probe.Req") as DescMessage;
const req = (init: Record<string, unknown>) => create(Req, init) as Message;

/** handlerSeeing returns a handler that records the requests it gets, wrapped in validate(). */
function handlerSeeing() {
  const seen: unknown[] = [];
  const handler = chain(validate())(async (_ctx, r) => {
    seen.push(r);
    return "reply";
  });
  return { handler, seen };
}

describe("the validate middleware", () => {
  it("passes a request that keeps its rules to the handler, as it is", async () => {
    const { handler, seen } = handlerSeeing();
    const ok = req({ title: "abc", pageSize: 9, id: 1n });
    assert.equal(await handler(testContext({ method: method("Call") }), ok), "reply");
    assert.deepEqual(seen, [ok]);
  });

  it("refuses a request that breaks a rule with 400 VALIDATOR naming the message and field, before the handler", async () => {
    const { handler, seen } = handlerSeeing();
    const err = await handler(testContext({ method: method("Call") }), req({ title: "", id: 1n })).catch((e: unknown) => e);
    assert.ok(err instanceof KratosError);
    assert.deepEqual(err.toStatus(), { code: 400, reason: VALIDATOR_REASON, message: "invalid Req.title: must be at least 1 characters", metadata: {} });
    assert.ok(err.cause instanceof ValidationError, "the protovalidate error is the cause");
    assert.deepEqual(seen, []);
  });

  it("names every broken rule in field order, and packs them as one google.rpc.BadRequest detail", async () => {
    const { handler } = handlerSeeing();
    const err = (await handler(testContext({ method: method("Call") }), req({ title: "abcd", pageSize: 10, id: 0n })).catch((e: unknown) => e)) as KratosError;
    assert.equal(
      err.message,
      [
        "invalid Req.title: must be at most 3 characters",
        "invalid Req.page_size: must be greater than or equal to 0 and less than 10",
        "invalid Req.id: must be greater than 0",
      ].join("; "),
    );
    assert.equal(err.details.length, 1);
    const badRequest = anyUnpack(err.details[0] as Any, BadRequestSchema);
    assert.ok(badRequest);
    assert.deepEqual(toJson(BadRequestSchema, badRequest), {
      fieldViolations: [
        { field: "title", description: "must be at most 3 characters", reason: "string.max_len" },
        { field: "page_size", description: "must be greater than or equal to 0 and less than 10", reason: "int32.gte_lt" },
        { field: "id", description: "must be greater than 0", reason: "int64.gt" },
      ],
    });
  });

  it("counts characters, not bytes or UTF-16 units", async () => {
    const { handler, seen } = handlerSeeing();
    for (const title of ["é", "😀😀😀", "aé😀"]) await handler(testContext({ method: method("Call") }), req({ title, id: 1n }));
    assert.equal(seen.length, 3);
    await assert.rejects(
      handler(testContext({ method: method("Call") }), req({ title: "😀😀😀😀", id: 1n })),
      /invalid Req\.title: must be at most 3 characters/,
    );
  });

  it("lets a message without rules through", async () => {
    const { handler, seen } = handlerSeeing();
    const check = testContext();
    await handler(check, create(check.method.input));
    assert.equal(seen.length, 1);
  });

  it("throws a rule it cannot compile as it is, for recovery to log as a bug", async () => {
    const { handler, seen } = handlerSeeing();
    const broken = registry.getMessage("probe.Broken") as DescMessage;
    await assert.rejects(handler(testContext({ method: method("Break") }), create(broken) as Message), (err) => err instanceof CompilationError);
    assert.deepEqual(seen, []);
  });

  it("sends the violations over gRPC after the ErrorInfo, where a client reads them back", async () => {
    const { handler } = handlerSeeing();
    const err = (await handler(testContext({ method: method("Call") }), req({ title: "ok", id: 0n })).catch((e: unknown) => e)) as KratosError;
    const sent = toGRPCStatus(err);
    const received = readServiceError(Object.assign(new Error(sent.details), sent));
    assert.deepEqual(received?.status, { code: 400, reason: "VALIDATOR", message: "invalid Req.id: must be greater than 0", metadata: {} });
    assert.deepEqual(
      received?.details.map((d) => d.typeUrl),
      ["type.googleapis.com/google.rpc.BadRequest"],
    );
  });
});

describe("the restated buf/validate/validate.proto", () => {
  it("declares only what protovalidate's own file declares, under the same names and numbers", () => {
    const ours = file_buf_validate_validate;
    assert.equal(ours.proto.package, upstream.proto.package);
    assert.equal(ours.proto.syntax, upstream.proto.syntax, "proto2, as upstream: explicit presence keeps a rule of 0");
    const shape = (x: DescField) => [x.name, x.fieldKind, x.fieldKind === "scalar" ? x.scalar : undefined, x.message?.typeName, x.oneof?.name, x.presence];
    for (const m of ours.messages) {
      const theirs = upstream.messages.find((x) => x.typeName === m.typeName);
      assert.ok(theirs, `${m.typeName} is upstream`);
      for (const f of m.fields) {
        const u: DescField | undefined = theirs.fields.find((x) => x.number === f.number);
        assert.ok(u, `${m.typeName} field ${f.number} is upstream`);
        assert.deepEqual(shape(f), shape(u), `${m.typeName}.${f.name}`);
      }
    }
    const [ext] = ours.extensions;
    const upstreamExt = upstream.extensions.find((x) => x.name === "field");
    assert.deepEqual(
      [ext?.name, ext?.number, ext?.extendee.typeName, ext?.message?.typeName],
      [upstreamExt?.name, upstreamExt?.number, upstreamExt?.extendee.typeName, upstreamExt?.message?.typeName],
    );
    assert.equal(ext?.number, 1159);
  });
});
