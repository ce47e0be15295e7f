import { create, type DescMessage, fromBinary, type JsonValue, type Message, toBinary, toJson } from "@bufbuild/protobuf";
import { dump } from "js-yaml";
import { loadYaml, maxDepth, maxNodes, NodeBudget, yamlErrorReason } from "../../config/yaml.js";
import type { Status } from "../../errors/errors.js";

interface CodecName {
  /** The Kratos codec name. */
  readonly name: string;
  /** The media types that pick this codec in Accept and Content-Type; a reply is labelled with the one asked for. */
  readonly contentTypes: readonly string[];
}

/** A codec of the proto3 JSON mapping (lowerCamelCase names, int64 as strings, enums by name): it needs no schema. */
export interface JsonModelCodec extends CodecName {
  readonly model: "json";
  encode(value: JsonValue): string;
  /** decode parses a body into the JSON model; it throws an Error with a one-line message on malformed input. */
  decode(body: Buffer): JsonValue;
}

/** A codec of the message itself, such as binary protobuf. */
export interface MessageCodec extends CodecName {
  readonly model: "message";
  encode(schema: DescMessage, message: Message): Uint8Array;
  decode(schema: DescMessage, body: Buffer): Message;
}

/** Codec is one way to write a message on the wire, known by its Kratos codec name. */
export type Codec = JsonModelCodec | MessageCodec;

const json: Codec = {
  name: "json",
  contentTypes: ["application/json"],
  model: "json",
  encode: (value) => JSON.stringify(value),
  decode: (body) => JSON.parse(body.toString("utf8")) as JsonValue,
};

/**
 * The codecs replies and request bodies may use; adding one is adding an entry. Go Kratos registers json,
 * proto, yaml, xml and x-www-form-urlencoded; xml and form are not offered here.
 */
export const codecs: readonly Codec[] = [
  json,
  {
    name: "proto",
    // application/x-protobuf and application/protobuf are not Kratos names, but common ones; each keeps its own label.
    contentTypes: ["application/proto", "application/x-protobuf", "application/protobuf"],
    model: "message",
    encode: (schema, message) => toBinary(schema, message),
    decode: (schema, body) => fromBinary(schema, body) as Message,
  },
  {
    name: "yaml",
    contentTypes: ["application/yaml", "application/x-yaml"],
    model: "json",
    // Go Kratos's yaml codec marshals the Go struct (lowercased Go field names, enums as numbers); here YAML
    // carries the proto3 JSON mapping, the same data as JSON. No line folding, no anchors.
    encode: (value) => dump(value, { lineWidth: -1, noRefs: true }),
    decode: (body) => yamlToJson(body.toString("utf8")),
  },
];

export const JSON_TYPE = "application/json";

const byType = new Map<string, Codec>(codecs.flatMap((c) => c.contentTypes.map((t) => [t, c] as const)));

/** A codec and the media type it was asked for by, which labels the reply. */
export interface Negotiated {
  codec: Codec;
  type: string;
}

const defaultCodec: Negotiated = { codec: json, type: JSON_TYPE };

/**
 * codecForAccept picks the reply codec: the first type listed in Accept that names a codec, else JSON.
 * q-values are ignored, as Kratos ignores them. Go Kratos reads each Accept header line whole (the text between
 * "/" and ";" is the codec name, commas and all); Node joins repeated lines with commas, so the nearest reading
 * is to try each listed type in turn. A single-type Accept, which is what clients send, gets the same codec.
 * Go Kratos also matches on the subtype alone (text/yaml is yaml there); here the whole type must be listed.
 */
export function codecForAccept(accept: string | undefined): Negotiated {
  if (!accept) return defaultCodec;
  for (const entry of accept.split(",")) {
    const type = mediaType(entry);
    const codec = byType.get(type);
    if (codec) return { codec, type };
  }
  return defaultCodec;
}

/** codecForContentType picks the codec of a request body, or undefined if none reads it; +json types are JSON. */
export function codecForContentType(contentType: string | undefined): Codec | undefined {
  const type = mediaType(contentType ?? "");
  return byType.get(type) ?? (type.endsWith("+json") ? json : undefined);
}

/** mediaType is the type/subtype of a header value, without parameters, trimmed and lower-cased. */
export function mediaType(value: string): string {
  const semi = value.indexOf(";");
  return (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
}

/**
 * encodeReply renders a reply, or the field of it that response_body names, with a codec. The JSON form is
 * built once and written once. A message codec can write only messages: a response_body that is a scalar,
 * list or map field falls back to JSON (Go Kratos fails such a reply with 500).
 */
export function encodeReply(output: DescMessage, reply: Message, responseBody: string, negotiated: Negotiated): { type: string; body: string | Uint8Array } {
  const { codec } = negotiated;
  const field = responseBody ? output.fields.find((f) => f.name === responseBody) : undefined;
  if (codec.model === "message") {
    if (!field) return { type: negotiated.type, body: codec.encode(output, reply) };
    if (field.fieldKind === "message") {
      const value = (reply as unknown as Record<string, Message | undefined>)[field.localName];
      return { type: negotiated.type, body: codec.encode(field.message, value ?? create(field.message)) };
    }
    return encodeReply(output, reply, responseBody, defaultCodec);
  }
  let value: JsonValue;
  if (!field) {
    value = toJson(output, reply, { alwaysEmitImplicit: true });
  } else if (field.fieldKind === "message") {
    // Only the field is converted; an unset message field is null.
    const sub = (reply as unknown as Record<string, Message | undefined>)[field.localName];
    value = sub ? toJson(field.message, sub, { alwaysEmitImplicit: true }) : null;
  } else {
    value = (toJson(output, reply, { alwaysEmitImplicit: true }) as Record<string, JsonValue>)[field.jsonName] ?? null;
  }
  return { type: negotiated.type, body: codec.encode(value) };
}

/** encodeStatus renders an error as Kratos does: {"code","reason","message","metadata"} in that order. */
export function encodeStatus(s: Status): string {
  return JSON.stringify({ code: s.code, reason: s.reason, message: s.message, metadata: s.metadata });
}

/**
 * yamlToJson parses a YAML body (one document, core schema) into the proto3 JSON model: a copy with own keys
 * only, as JSON.parse builds, and .inf/.nan as "Infinity"/"NaN". The copy follows aliases, so it stops at
 * maxNodes keys and items and maxDepth levels: a billion-laughs body or an alias cycle is refused, not
 * expanded. An empty document is null.
 */
function yamlToJson(text: string): JsonValue {
  let doc: unknown;
  try {
    doc = loadYaml(text);
  } catch (err) {
    throw new Error(yamlErrorReason(err));
  }
  const budget = new NodeBudget();
  const tooMany = () => new Error(`YAML expands to more than ${maxNodes} keys and items`);
  const copy = (v: unknown, depth: number): JsonValue => {
    if (v === null || v === undefined) return null;
    if (typeof v === "number") return Number.isFinite(v) ? v : Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
    if (typeof v === "string" || typeof v === "boolean") return v;
    if (depth > maxDepth) throw new Error(`YAML nests more than ${maxDepth} deep`);
    if (Array.isArray(v)) {
      return v.map((item) => {
        if (!budget.spend()) throw tooMany();
        return copy(item, depth + 1);
      });
    }
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(v as Record<string, unknown>)) {
      if (!budget.spend()) throw tooMany();
      // defineProperty keeps a "__proto__" key an own key, as JSON.parse does, instead of setting the prototype.
      Object.defineProperty(out, key, { value: copy(item, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return copy(doc, 1);
}
