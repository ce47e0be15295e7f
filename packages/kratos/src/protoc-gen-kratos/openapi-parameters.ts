import type { DescField, DescMessage } from "@bufbuild/protobuf";
import type { Binding } from "../transport/http/rules.js";
import { comment, fieldSchema, type Obj, type Refs } from "./openapi-schemas.js";

/**
 * parameters lists the path and query parameters of a binding as the HTTP server binds them: the path
 * variables, then every field the path and body leave, by dotted JSON name. A body of "*" leaves none.
 */
export function parameters(input: DescMessage, b: Binding, refs: Refs): Obj[] {
  const pathVars = [...b.path.matchAll(/\{([^}=]+)/g)].map((m) => m[1] as string);
  const path = pathVars.map((name) => ({ name, in: "path", required: true, schema: fieldSchema(fieldAt(input, name), refs) }));
  if (b.body === "*") return path;
  const bound = new Set(b.body ? [...pathVars, b.body] : pathVars);
  return [...path, ...queryParameters(input, { json: "", proto: "" }, bound, [input], refs)];
}

/** fieldAt finds the field at a dotted path of proto names, as path templates and body name them. */
export function fieldAt(message: DescMessage, path: string): DescField {
  let m = message;
  let field: DescField | undefined;
  for (const name of path.split(".")) {
    field = m.fields.find((f) => f.name === name);
    if (!field) throw new Error(`${message.typeName} has no field ${path}`);
    if (field.fieldKind === "message") m = field.message;
  }
  return field as DescField;
}

// Well-known types whose JSON is a string, number or boolean, so one URL value sets them; the others get 400.
const fromURL = new Set(
  [
    ...["Timestamp", "Duration", "FieldMask", "Value", "StringValue", "BoolValue", "BytesValue"],
    ...["Int32Value", "UInt32Value", "Int64Value", "UInt64Value", "FloatValue", "DoubleValue"],
  ].map((name) => `google.protobuf.${name}`),
);

function queryParameters(message: DescMessage, prefix: { json: string; proto: string }, bound: Set<string>, seen: DescMessage[], refs: Refs): Obj[] {
  return message.fields.flatMap((field) => {
    const name = prefix.json + field.jsonName;
    if (bound.has(prefix.proto + field.name)) return [];
    if (field.fieldKind === "message" && !field.message.typeName.startsWith("google.protobuf.")) {
      // A message that contains itself would nest without end: its fields are listed at the first level only.
      if (seen.includes(field.message)) return [];
      return queryParameters(field.message, { json: `${name}.`, proto: `${prefix.proto}${field.name}.` }, bound, [...seen, field.message], refs);
    }
    const schema = querySchema(field, refs);
    if (!schema) return [];
    const list = field.fieldKind === "list" ? { style: "form", explode: true } : {};
    return [{ name, in: "query", ...list, schema, ...(comment(field) ? { description: comment(field) } : {}) }];
  });
}

const TEXT = { type: "string" };

// The schema of a field set from query values; undefined for maps and messages no URL value can set.
function querySchema(field: DescField, refs: Refs): Obj | undefined {
  const message = field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message") ? field.message : undefined;
  if (field.fieldKind === "map" || (message && !fromURL.has(message.typeName))) return undefined;
  // A query value is always text, so a Value set from one is a string.
  if (message?.typeName === "google.protobuf.Value") return field.fieldKind === "list" ? { type: "array", items: TEXT } : TEXT;
  return fieldSchema(field, refs);
}
