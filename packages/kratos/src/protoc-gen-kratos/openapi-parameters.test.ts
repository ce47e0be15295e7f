import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createFileRegistry, type DescFile, type DescMessage, fromJson } from "@bufbuild/protobuf";
import * as wkt from "@bufbuild/protobuf/wkt";
import type { Binding } from "../transport/http/rules.js";
import { parameters } from "./openapi-parameters.js";

// json_name is set as protoc and buf set it.
const jsonName = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const field = (name: string, number: number, type: string, extra: object = {}) => ({
  name,
  number,
  type: `TYPE_${type}`,
  label: "LABEL_OPTIONAL",
  jsonName: jsonName(name),
  ...extra,
});
const message = (name: string, number: number, typeName: string, extra: object = {}) => field(name, number, "MESSAGE", { typeName, ...extra });
const repeated = { label: "LABEL_REPEATED" };

// Every kind of field a URL can and cannot set, including a nested path variable whose JSON name differs.
const file = fromJson(wkt.FileDescriptorProtoSchema, {
  name: "params.proto",
  package: "t",
  syntax: "proto3",
  dependency: [
    "google/protobuf/any.proto",
    "google/protobuf/empty.proto",
    "google/protobuf/struct.proto",
    "google/protobuf/timestamp.proto",
    "google/protobuf/wrappers.proto",
  ],
  messageType: [
    { name: "Node", field: [field("v", 1, "STRING"), message("child", 2, ".t.Node")] },
    { name: "Inner", field: [field("label", 1, "STRING"), field("count", 2, "UINT32")] },
    {
      name: "Req",
      field: [
        message("inner_msg", 1, ".t.Inner"),
        message("items", 2, ".t.Inner", repeated),
        message("labels", 3, ".t.Req.LabelsEntry", repeated),
        message("struct", 4, ".google.protobuf.Struct"),
        message("any", 5, ".google.protobuf.Any"),
        message("empty", 6, ".google.protobuf.Empty"),
        message("list", 7, ".google.protobuf.ListValue"),
        message("value", 8, ".google.protobuf.Value"),
        message("times", 9, ".google.protobuf.Timestamp", repeated),
        message("on", 10, ".google.protobuf.BoolValue"),
        message("node", 11, ".t.Node"),
        field("body_text", 12, "STRING"),
      ],
      nestedType: [{ name: "LabelsEntry", field: [field("key", 1, "STRING"), field("value", 2, "STRING")], options: { mapEntry: true } }],
    },
  ],
});
const imports: DescFile[] = [
  wkt.file_google_protobuf_any,
  wkt.file_google_protobuf_empty,
  wkt.file_google_protobuf_struct,
  wkt.file_google_protobuf_timestamp,
  wkt.file_google_protobuf_wrappers,
];
const req = createFileRegistry(file, (name) => imports.find((f) => f.proto.name === name)).getMessage("t.Req") as DescMessage;

const binding = (method: string, path: string, body = ""): Binding => ({ method, path, body, responseBody: "" });
const labelPath = { name: "inner_msg.label", in: "path", required: true, schema: { type: "string" } };
const count = { name: "innerMsg.count", in: "query", schema: { type: "integer", format: "uint32" } };
const value = { name: "value", in: "query", schema: { type: "string" } };
const times = { name: "times", in: "query", style: "form", explode: true, schema: { type: "array", items: { type: "string", format: "date-time" } } };
const on = { name: "on", in: "query", schema: { type: "boolean" } };
const nodeV = { name: "node.v", in: "query", schema: { type: "string" } };
const bodyText = { name: "bodyText", in: "query", schema: { type: "string" } };

describe("the OpenAPI parameters of a binding", () => {
  it("lists the path variable, then every field a query value can set, by dotted JSON name", () => {
    // Not listed: innerMsg.label (bound by the path), repeated messages, maps, Struct, Any, Empty, ListValue, node.child.*.
    assert.deepEqual(parameters(req, binding("GET", "/v1/{inner_msg.label}"), new Map()), [labelPath, count, value, times, on, nodeV, bodyText]);
  });

  it("lists no query parameter when the whole request is the body", () => {
    assert.deepEqual(parameters(req, binding("POST", "/v1/{inner_msg.label}", "*"), new Map()), [labelPath]);
  });

  it("leaves out the field that is the body, and only it", () => {
    assert.deepEqual(parameters(req, binding("PATCH", "/v1/{inner_msg.label}", "node"), new Map()), [labelPath, count, value, times, on, bodyText]);
  });

  it("names a multi-segment path variable by its field", () => {
    assert.deepEqual(parameters(req, binding("DELETE", "/v1/{body_text=shelves/*}", "*"), new Map()), [
      { name: "body_text", in: "path", required: true, schema: { type: "string" } },
    ]);
  });
});
