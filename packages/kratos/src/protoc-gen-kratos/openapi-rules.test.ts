import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createFileRegistry, createRegistry, type DescField, type DescMessage, fromJson, type JsonObject } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, file_google_protobuf_descriptor } from "@bufbuild/protobuf/wkt";
import { file_buf_validate_validate } from "../gen/buf/validate/validate_pb.js";
import type { Binding } from "../transport/http/rules.js";
import { parameters } from "./openapi-parameters.js";
import { hasRules, ruleKeywords } from "./openapi-rules.js";
import { messageSchema } from "./openapi-schemas.js";

const field = (name: string, number: number, type: string, rules?: JsonObject, extra: JsonObject = {}): JsonObject => ({
  name,
  number,
  type: `TYPE_${type}`,
  label: "LABEL_OPTIONAL",
  jsonName: name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
  ...(rules ? { options: { "[buf.validate.field]": rules } } : {}),
  ...extra,
});

const file = fromJson(
  FileDescriptorProtoSchema,
  {
    name: "rules.proto",
    package: "r",
    syntax: "proto3",
    dependency: ["buf/validate/validate.proto"],
    messageType: [
      {
        name: "Req",
        field: [
          field("name", 1, "STRING", { string: { minLen: "1", maxLen: "128" } }),
          field("prefix", 2, "STRING", { string: { maxLen: "8" } }),
          field("page_size", 3, "INT32", { int32: { gte: 0, lte: 1000 } }),
          field("offset", 4, "INT32", { int32: { gt: -1, lt: 10 } }),
          field("id", 5, "INT64", { int64: { gt: "0" } }),
          field("huge", 6, "INT64", { int64: { gte: "-5", lt: "9223372036854775807" } }),
          field("plain", 7, "STRING"),
          field("inner", 8, "MESSAGE", undefined, { typeName: ".r.Inner" }),
        ],
      },
      { name: "Inner", field: [field("v", 1, "INT32", { int32: { gte: 1 } })] },
      { name: "Wrap", field: [field("inner", 1, "MESSAGE", undefined, { typeName: ".r.Inner", label: "LABEL_REPEATED" })] },
      { name: "Bare", field: [field("v", 1, "INT32"), field("inner", 2, "MESSAGE", undefined, { typeName: ".r.Outer" })] },
      { name: "Outer", field: [field("bare", 1, "MESSAGE", undefined, { typeName: ".r.Bare" })] },
    ],
  },
  { registry: createRegistry(file_buf_validate_validate) },
);
const registry = createFileRegistry(file, (name) =>
  name === "buf/validate/validate.proto"
    ? file_buf_validate_validate
    : name === "google/protobuf/descriptor.proto"
      ? file_google_protobuf_descriptor
      : undefined,
);
const msg = (name: string) => registry.getMessage(`r.${name}`) as DescMessage;
const keywords = (name: string) => ruleKeywords(msg("Req").fields.find((f) => f.name === name) as DescField);

describe("the OpenAPI form of protovalidate rules", () => {
  it("writes min_len and max_len as minLength and maxLength", () => {
    assert.deepEqual(keywords("name"), { minLength: 1, maxLength: 128 });
    assert.deepEqual(keywords("prefix"), { maxLength: 8 });
  });

  it("writes gte and lte as minimum and maximum, 0 included", () => {
    assert.deepEqual(keywords("page_size"), { minimum: 0, maximum: 1000 });
  });

  it("writes gt and lt as exclusive bounds, as OpenAPI 3.0 does: the bound with exclusiveMinimum or exclusiveMaximum true", () => {
    assert.deepEqual(keywords("offset"), { minimum: -1, exclusiveMinimum: true, maximum: 10, exclusiveMaximum: true });
    assert.deepEqual(keywords("id"), { minimum: 0, exclusiveMinimum: true });
  });

  it("leaves out an int64 bound a number cannot hold exactly", () => {
    assert.deepEqual(keywords("huge"), { minimum: -5 });
  });

  it("writes nothing for a field without rules", () => {
    assert.deepEqual(keywords("plain"), {});
  });

  it("puts the keywords on the component schema's properties and on the query parameters", () => {
    const schema = messageSchema(msg("Req"), new Map()) as { properties: Record<string, unknown> };
    assert.deepEqual(schema.properties.name, { type: "string", minLength: 1, maxLength: 128 });
    assert.deepEqual(schema.properties.pageSize, { type: "integer", format: "int32", minimum: 0, maximum: 1000 });
    assert.deepEqual(schema.properties.id, { type: "string", format: "int64", minimum: 0, exclusiveMinimum: true });
    const binding: Binding = { method: "GET", path: "/v1/{id}", body: "", responseBody: "" };
    const params = parameters(msg("Req"), binding, new Map()) as Array<{ name: string; schema: unknown }>;
    assert.deepEqual(
      params.filter((p) => ["id", "pageSize", "inner.v"].includes(p.name)),
      [
        { name: "id", in: "path", required: true, schema: { type: "string", format: "int64", minimum: 0, exclusiveMinimum: true } },
        { name: "pageSize", in: "query", schema: { type: "integer", format: "int32", minimum: 0, maximum: 1000 } },
        { name: "inner.v", in: "query", schema: { type: "integer", format: "int32", minimum: 1 } },
      ],
    );
  });

  it("finds rules in a message or the messages in it, and ends on a message that contains itself", () => {
    assert.equal(hasRules(msg("Req")), true);
    assert.equal(hasRules(msg("Wrap")), true, "rules of a repeated message field's message");
    assert.equal(hasRules(msg("Bare")), false);
  });
});
