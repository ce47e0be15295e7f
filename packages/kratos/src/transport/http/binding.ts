import {
  create,
  type DescEnum,
  type DescField,
  type DescMessage,
  type JsonObject,
  type JsonValue,
  type Message,
  mergeFromJson,
  ScalarType,
} from "@bufbuild/protobuf";
import { parseBool } from "../../config/bool.js";
import { KratosError } from "../../errors/errors.js";
import type { Codec } from "./codec.js";

/** The reason of every error in turning a request into a message, as in Kratos. */
export const CODEC_REASON = "CODEC";

export const codecError = (message: string, code = 400) => new KratosError(code, CODEC_REASON, message);

export type Query = Record<string, string | string[] | undefined>;

/** A request body read off the wire: the request field it fills ("*" for all), its bytes and the codec that reads them. */
export interface Body {
  field: string;
  raw: Buffer;
  codec: Codec;
}

/** bindRequest fills a request message from the body, then the query, then the path variables, so the path wins. */
export function bindRequest(input: DescMessage, body: Body | undefined, query: Query, pathVars: Array<[string[], string]>): Message {
  const msg = create(input) as Message;
  if (body) bindBody(input, msg, body);
  let fromQuery: JsonObject | undefined;
  for (const key in query) {
    const raw = query[key];
    if (raw === undefined) continue;
    fromQuery ??= {};
    setPath(input, fromQuery, key.split("."), Array.isArray(raw) ? raw : [raw], true);
  }
  if (fromQuery) merge(input, msg, fromQuery, "query");
  if (pathVars.length > 0) {
    const fromPath: JsonObject = {};
    for (const [path, value] of pathVars) setPath(input, fromPath, path, [value], false);
    merge(input, msg, fromPath, "path");
  }
  return msg;
}

function bindBody(input: DescMessage, msg: Message, { field, raw, codec }: Body): void {
  if (codec.model === "message") {
    if (field === "*") {
      mergeMessage(
        input,
        msg,
        decodeOrThrow(() => codec.decode(input, raw)),
      );
      return;
    }
    const target = findField(input, field);
    if (target?.fieldKind !== "message") throw codecError(`${codec.name} bodies bind only to the whole request or a message field, not to ${field}`, 415);
    (msg as unknown as Record<string, unknown>)[target.localName] = decodeOrThrow(() => codec.decode(target.message, raw));
    return;
  }
  const json = decodeOrThrow(() => codec.decode(raw));
  merge(input, msg, field === "*" ? json : { [jsonNameOf(input, field)]: json }, "body unmarshal");
}

function decodeOrThrow<T>(decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    throw codecError(`body unmarshal: ${(err as Error).message}`);
  }
}

function mergeMessage(input: DescMessage, target: Message, source: Message): void {
  for (const field of input.fields) {
    const key = field.localName as keyof Message;
    (target as unknown as Record<string, unknown>)[key] = (source as unknown as Record<string, unknown>)[key];
  }
}

function merge(input: DescMessage, msg: Message, json: JsonValue, what: string): void {
  if (what !== "body unmarshal" && Object.keys(json as JsonObject).length === 0) return;
  try {
    mergeFromJson(input, msg, json, { ignoreUnknownFields: true });
  } catch (err) {
    throw codecError(`${what}: ${(err as Error).message}`);
  }
}

function jsonNameOf(input: DescMessage, name: string): string {
  const field = findField(input, name);
  if (!field) throw new Error(`body field ${name} is not a field of ${input.typeName}`);
  return field.jsonName;
}

function findField(message: DescMessage, name: string): DescField | undefined {
  return message.fields.find((f) => f.name === name || f.jsonName === name);
}

/** setPath puts string values from a URL at a dotted field path, converted to the JSON the field takes. */
function setPath(input: DescMessage, target: JsonObject, path: string[], values: string[], lenient: boolean): void {
  let message = input;
  let node = target;
  for (let i = 0; i < path.length; i++) {
    const field = findField(message, path[i] as string);
    // Unknown query keys are ignored, as Kratos does; unknown path fields are a generator bug.
    if (!field) {
      if (lenient) return;
      throw new Error(`${path.join(".")} is not a field of ${input.typeName}`);
    }
    const last = i === path.length - 1;
    if (!last) {
      if (field.fieldKind !== "message") return;
      const child = (node[field.jsonName] ?? {}) as JsonObject;
      node[field.jsonName] = child;
      node = child;
      message = field.message;
      continue;
    }
    if (field.fieldKind === "list") {
      node[field.jsonName] = values.map((v) => scalarJson(field, v, kindOf(field)));
    } else if (field.fieldKind === "scalar" || field.fieldKind === "enum" || wellKnownScalar(field)) {
      if (values.length > 1) throw codecError(`too many values for field ${JSON.stringify(path.join("."))}: ${values.join(", ")}`);
      node[field.jsonName] = scalarJson(field, values[0] as string, kindOf(field));
    } else if (!lenient) {
      throw new Error(`path variable ${path.join(".")} must be a scalar field`);
    }
  }
}

// Messages whose JSON form is a string or a number (Timestamp, Duration, wrappers, FieldMask).
function wellKnownScalar(field: DescField): boolean {
  return field.fieldKind === "message" && field.message.typeName.startsWith("google.protobuf.") && field.message.typeName !== "google.protobuf.Struct";
}

// The scalar or enum a URL value converts to; a BoolValue's JSON is a boolean, as a bool field's is.
function kindOf(field: DescField): ScalarType | DescEnum | undefined {
  if (field.scalar !== undefined) return field.scalar;
  if (field.enum) return field.enum;
  return field.message?.typeName === "google.protobuf.BoolValue" ? ScalarType.BOOL : undefined;
}

function scalarJson(field: DescField, value: string, kind: unknown): JsonValue {
  if (kind === ScalarType.BOOL) {
    const b = parseBool(value);
    if (b !== undefined) return b;
    throw codecError(`invalid value for bool field ${field.name}: ${JSON.stringify(value)}`);
  }
  if (typeof kind === "object" && /^-?\d+$/.test(value)) return Number(value);
  return value;
}
