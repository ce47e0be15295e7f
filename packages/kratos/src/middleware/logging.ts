import { type DescField, type DescMessage, type JsonObject, type JsonValue, type Message, toJson } from "@bufbuild/protobuf";
import { answerOf, messageOf } from "../errors/public.js";
import { lineWriter } from "../log/line.js";
import type { Logger } from "../log/logger.js";
import { REDACTED } from "../log/redact.js";
import { invoke, type Middleware } from "./middleware.js";

/** The msg of every access line; the Kratos fields carry the rest. */
export const ACCESS_MSG = "access";

export { REDACTED } from "../log/redact.js";

/**
 * The most of a request an access line holds, in characters of its JSON: a larger request logs as a string, its
 * JSON cut there, so a client cannot make every line as large as its message (4 MiB over gRPC).
 */
export const MAX_ARGS_CHARS = 4096;

/**
 * logging logs one line per call, as Kratos's logging.Server does: kind=server, component (http or grpc),
 * operation, args (the request as proto3 JSON, every field marked [debug_redact = true] logged as
 * "[REDACTED]", at any depth), code (200 on success, else the error's HTTP code), reason (empty on
 * success), latency (seconds) and, for a 5xx only, the error with its stack as err. Success logs at
 * INFO, errors at ERROR, with msg "access". The code and reason are what the client gets: a thrown
 * value that is no KratosError is logged as recovery answers it, 500 UNKNOWN, with its own stack. Put it
 * after recovery and before validate, so it sees the code of a refused request and of a handler's bug.
 *
 * @example
 * new HTTPServer({ address: ":8000", timeout: 1000, logger, middleware: [recovery(logger), logging(logger), validate()] });
 */
export function logging(logger: Logger): Middleware {
  // A success line is written from JSON made here, the same line pino writes at several times the cost.
  const write = lineWriter(logger, ACCESS_MSG);
  return (next) => {
    // A transport wraps each method's handler on its own, so one wrapped handler nearly always logs one operation.
    let last = { kind: "", operation: "", head: "" };
    return (ctx, req) => {
      const start = performance.now();
      return invoke(next, ctx, req).then(
        (reply) => {
          if (!logger.isLevelEnabled("info")) return reply;
          if (write) {
            if (last.operation !== ctx.operation || last.kind !== ctx.kind)
              last = { kind: ctx.kind, operation: ctx.operation, head: headOf(ctx.kind, ctx.operation) };
            write("info", `${last.head}${argsJSON(ctx.method.input, req)},"code":200,"reason":"","latency":${since(start)}`);
          } else {
            logger.info(
              {
                kind: "server",
                component: ctx.kind,
                operation: ctx.operation,
                args: boundedArgs(ctx.method.input, req),
                code: 200,
                reason: "",
                latency: since(start),
              },
              ACCESS_MSG,
            );
          }
          return reply;
        },
        (err: unknown) => {
          if (logger.isLevelEnabled("error")) {
            // What the client gets: a handler's bug (not a KratosError) is the 500 UNKNOWN recovery makes of it.
            const e = answerOf(err);
            logger.error(
              {
                kind: "server",
                component: ctx.kind,
                operation: ctx.operation,
                args: boundedArgs(ctx.method.input, req),
                code: e.code,
                reason: e.reason,
                ...(e.code >= 500 ? { err } : {}),
                latency: since(start),
              },
              ACCESS_MSG,
            );
          }
          throw err;
        },
      );
    };
  };
}

/** headOf is an access line's fields up to args' value, as JSON members. */
function headOf(kind: string, operation: string): string {
  return `,"kind":"server","component":${JSON.stringify(kind)},"operation":${JSON.stringify(operation)},"args":`;
}

/** since is the seconds elapsed from start, a performance.now() reading. */
function since(start: number): number {
  return (performance.now() - start) / 1000;
}

/** argsJSON is the JSON of an access line's args: boundedArgs, written. */
function argsJSON(schema: DescMessage, req: unknown): string {
  const json = JSON.stringify(argsOf(schema, req));
  return json.length <= MAX_ARGS_CHARS ? json : JSON.stringify(cutArgs(json));
}

/** boundedArgs is argsOf, or, for a request whose JSON is longer than MAX_ARGS_CHARS, that JSON cut there, as a string. */
function boundedArgs(schema: DescMessage, req: unknown): JsonValue {
  const args = argsOf(schema, req);
  const json = JSON.stringify(args);
  return json.length <= MAX_ARGS_CHARS ? args : cutArgs(json);
}

function cutArgs(json: string): string {
  return `${json.slice(0, MAX_ARGS_CHARS)}... (${json.length} characters)`;
}

/** argsOf is req as proto3 JSON with its redacted fields replaced; a request that cannot be written is logged as its error. */
function argsOf(schema: DescMessage, req: unknown): JsonValue {
  try {
    const json = toJson(schema, req as Message);
    const plan = redactionOf(schema);
    if (plan && json !== null && typeof json === "object" && !Array.isArray(json)) redact(plan, json);
    return json;
  } catch (err) {
    return `[unloggable: ${messageOf(err)}]`;
  }
}

/** What to do with one field of a message's JSON: replace it, or go into the message(s) it holds. */
interface FieldPlan {
  jsonName: string;
  redact: boolean;
  /** The message the field holds (singular, list element or map value), when something in it is redacted. */
  held?: DescMessage;
  shape: "one" | "list" | "map";
}
type Plan = FieldPlan[];

// undefined: nothing to redact in the message, at any depth.
const plans = new WeakMap<DescMessage, Plan | undefined>();
const reaches = new WeakMap<DescMessage, boolean>();

/** redactionOf returns the fields of schema to redact or go into, computed once per message type. */
function redactionOf(schema: DescMessage): Plan | undefined {
  if (plans.has(schema)) return plans.get(schema);
  const plan: Plan = [];
  for (const field of schema.fields) {
    const redact = isRedacted(field);
    const held = redact ? undefined : heldMessage(field);
    if (redact || (held && reachesRedaction(held))) {
      plan.push({ jsonName: field.jsonName, redact, held, shape: field.fieldKind === "list" ? "list" : field.fieldKind === "map" ? "map" : "one" });
    }
  }
  const result = plan.length > 0 ? plan : undefined;
  plans.set(schema, result);
  return result;
}

/** reachesRedaction tells whether schema, or any message it holds at any depth (recursion included), has a redacted field. */
function reachesRedaction(schema: DescMessage): boolean {
  const known = reaches.get(schema);
  if (known !== undefined) return known;
  const seen = new Set<DescMessage>([schema]);
  const queue = [schema];
  let found = false;
  while (!found && queue.length > 0) {
    const m = queue.pop() as DescMessage;
    // Well-known types (Any, Struct, Timestamp...) have their own JSON and nothing redacted.
    if (m.typeName.startsWith("google.protobuf.")) continue;
    for (const field of m.fields) {
      if (isRedacted(field)) {
        found = true;
        break;
      }
      const held = heldMessage(field);
      if (held && !seen.has(held)) {
        seen.add(held);
        queue.push(held);
      }
    }
  }
  reaches.set(schema, found);
  return found;
}

function isRedacted(field: DescField): boolean {
  return field.proto.options?.debugRedact === true;
}

function heldMessage(field: DescField): DescMessage | undefined {
  switch (field.fieldKind) {
    case "message":
      return field.message;
    case "list":
      return field.listKind === "message" ? field.message : undefined;
    case "map":
      return field.mapKind === "message" ? field.message : undefined;
    default:
      return undefined;
  }
}

function redact(plan: Plan, json: JsonObject): void {
  for (const f of plan) {
    const value = json[f.jsonName];
    if (value === undefined) continue;
    if (f.redact) {
      json[f.jsonName] = REDACTED;
      continue;
    }
    const inner = redactionOf(f.held as DescMessage);
    if (!inner) continue;
    if (f.shape === "one") redactObject(inner, value);
    else if (f.shape === "list" && Array.isArray(value)) for (const v of value) redactObject(inner, v);
    else if (f.shape === "map" && value !== null && typeof value === "object" && !Array.isArray(value))
      for (const v of Object.values(value)) redactObject(inner, v);
  }
}

function redactObject(plan: Plan, value: JsonValue): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) redact(plan, value);
}
