import { type DescField, type DescMessage, type JsonObject, type JsonValue, type Message, toJson } from "@bufbuild/protobuf";
import type { Binding } from "./rules.js";

/** What an HTTP client sends for one request: its path, its query (empty for none) and its JSON body (undefined for none). */
export interface EncodedRequest {
  path: string;
  query: string;
  body?: string;
}

/**
 * encodeRequest turns a request message into the HTTP request its binding describes, as grpc-gateway and
 * Kratos's generated clients do, the inverse of what the server binds: path variables from their fields,
 * percent-encoded; the body ("*" for the whole request less the path's fields, else one field) as proto3
 * JSON; every other set field as a query parameter by its JSON name, a nested one dotted, a list repeated.
 * A field whose value is its default is not sent, as proto3 JSON leaves it out.
 *
 * @example
 * encodeRequest(HelloRequestSchema, { method: "GET", path: "/helloworld/{name}", body: "", responseBody: "" }, req);
 * // { path: "/helloworld/kratos", query: "" }
 */
export function encodeRequest(input: DescMessage, binding: Binding, req: Message): EncodedRequest {
  const json = toJson(input, req) as JsonObject;
  const path = binding.path.replace(/\{([A-Za-z_][\w.]*)(?:=([^}]+))?\}/g, (_, variable: string, pattern?: string) => {
    const value = takeAt(input, json, variable.split("."));
    const text = value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
    // A variable whose pattern spans segments (shelves/*, **) keeps its slashes; any other encodes them.
    return pattern?.includes("/") || pattern?.includes("**") ? text.split("/").map(encodeURIComponent).join("/") : encodeURIComponent(text);
  });
  if (binding.body === "*") return { path, query: "", body: JSON.stringify(json) };
  let body: string | undefined;
  if (binding.body) {
    const field = fieldNamed(input, binding.body) as DescField;
    const value = json[field.jsonName];
    delete json[field.jsonName];
    // An unset body field is sent as the empty message it reads as.
    body = JSON.stringify(value ?? {});
  }
  const query = new URLSearchParams();
  addQuery(query, "", json);
  return { path, query: query.toString(), body };
}

/** takeAt removes and returns the JSON value at a dotted path of proto field names; undefined when unset. */
function takeAt(input: DescMessage, json: JsonObject, path: string[]): JsonValue | undefined {
  let message: DescMessage = input;
  let node: JsonObject = json;
  for (const [i, name] of path.entries()) {
    const field = fieldNamed(message, name);
    if (!field) return undefined;
    const value = node[field.jsonName];
    if (i === path.length - 1) {
      delete node[field.jsonName];
      return value;
    }
    if (field.fieldKind !== "message" || value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    message = field.message;
    node = value;
  }
  return undefined;
}

function fieldNamed(message: DescMessage, name: string): DescField | undefined {
  return message.fields.find((f) => f.name === name);
}

/** addQuery adds value's scalars at key: an object's members under dotted keys, a list's items repeated. */
function addQuery(query: URLSearchParams, key: string, value: JsonValue): void {
  if (value === null) return;
  if (Array.isArray(value)) {
    // A list of messages has no form in a query string; grpc-gateway leaves it out too.
    for (const item of value) if (item === null || typeof item !== "object") query.append(key, String(item));
    return;
  }
  if (typeof value === "object") {
    for (const [member, inner] of Object.entries(value)) addQuery(query, key ? `${key}.${member}` : member, inner);
    return;
  }
  query.append(key, String(value));
}
