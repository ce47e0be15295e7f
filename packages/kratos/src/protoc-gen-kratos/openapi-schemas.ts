import { type DescField, type DescMessage, type DescMethod, type DescService, ScalarType } from "@bufbuild/protobuf";
import { getComments } from "@bufbuild/protoplugin";
import { ruleKeywords } from "./openapi-rules.js";

export type Obj = Record<string, unknown>;

/** Refs collects, by full name, the messages a document refers to, so that each gets one component schema. */
export type Refs = Map<string, DescMessage>;

/** fieldSchema is the OpenAPI schema of a field's proto3 JSON form, with the bounds its protovalidate rules set. */
export function fieldSchema(field: DescField, refs: Refs): Obj {
  switch (field.fieldKind) {
    case "scalar":
      return { ...scalarSchema(field.scalar), ...ruleKeywords(field) };
    case "enum":
      return enumSchema(field.enum.values);
    case "message":
      return messageRef(field.message, refs);
    case "list":
      return {
        type: "array",
        items:
          field.listKind === "scalar"
            ? scalarSchema(field.scalar)
            : field.listKind === "enum"
              ? enumSchema(field.enum.values)
              : messageRef(field.message, refs),
      };
    case "map":
      return {
        type: "object",
        additionalProperties:
          field.mapKind === "scalar" ? scalarSchema(field.scalar) : field.mapKind === "enum" ? { type: "string" } : messageRef(field.message, refs),
      };
  }
}

/** messageSchema is the component schema of a message: its fields under their JSON names. */
export function messageSchema(m: DescMessage, refs: Refs): Obj {
  const properties: Obj = {};
  for (const field of m.fields) {
    const s = fieldSchema(field, refs);
    properties[field.jsonName] = comment(field) ? { ...s, description: comment(field) } : s;
  }
  return { type: "object", properties, ...(comment(m) ? { description: comment(m) } : {}) };
}

/** ref points at the component schema of a message, and records that the document needs it. */
export function ref(m: DescMessage, refs: Refs): Obj {
  refs.set(m.typeName, m);
  return { $ref: `#/components/schemas/${m.typeName}` };
}

/** comment is the leading comment of a declaration, trimmed; empty if it has none. */
export function comment(desc: DescService | DescMethod | DescMessage | DescField): string {
  return (getComments(desc).leading ?? "").trim();
}

const wellKnown: Record<string, Obj> = {
  "google.protobuf.Timestamp": { type: "string", format: "date-time" },
  "google.protobuf.Duration": { type: "string", pattern: "^-?[0-9]+(\\.[0-9]+)?s$" },
  "google.protobuf.FieldMask": { type: "string", format: "field-mask" },
  "google.protobuf.Empty": { type: "object" },
  "google.protobuf.Struct": { type: "object" },
  "google.protobuf.Value": {},
  "google.protobuf.Any": { type: "object", properties: { "@type": { type: "string" } }, additionalProperties: true },
  "google.protobuf.StringValue": { type: "string" },
  "google.protobuf.BoolValue": { type: "boolean" },
  "google.protobuf.BytesValue": { type: "string", format: "bytes" },
  "google.protobuf.Int32Value": { type: "integer", format: "int32" },
  "google.protobuf.UInt32Value": { type: "integer", format: "uint32" },
  "google.protobuf.Int64Value": { type: "string", format: "int64" },
  "google.protobuf.UInt64Value": { type: "string", format: "uint64" },
  "google.protobuf.FloatValue": { type: "number", format: "float" },
  "google.protobuf.DoubleValue": { type: "number", format: "double" },
};

function messageRef(m: DescMessage, refs: Refs): Obj {
  return wellKnown[m.typeName] ?? ref(m, refs);
}

function enumSchema(values: ReadonlyArray<{ name: string }>): Obj {
  return { type: "string", enum: values.map((v) => v.name) };
}

function scalarSchema(t: ScalarType): Obj {
  switch (t) {
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.BYTES:
      return { type: "string", format: "bytes" };
    case ScalarType.DOUBLE:
      return { type: "number", format: "double" };
    case ScalarType.FLOAT:
      return { type: "number", format: "float" };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return { type: "string", format: "int64" };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: "string", format: "uint64" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "uint32" };
    default:
      return { type: "integer", format: "int32" };
  }
}
