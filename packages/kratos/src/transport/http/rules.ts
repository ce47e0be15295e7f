import { type DescMethod, getOption, hasOption } from "@bufbuild/protobuf";
import { http } from "../../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../../gen/google/api/http_pb.js";

/** Binding is one HTTP binding of an RPC, read from its google.api.http rule. */
export interface Binding {
  /** GET, POST, PUT, DELETE, PATCH or a custom verb. */
  method: string;
  /** The path template, e.g. /helloworld/{name}. */
  path: string;
  /** The request field the body fills: "" for none, "*" for the whole request. */
  body: string;
  /** The reply field sent as the body: "" for the whole reply. */
  responseBody: string;
}

/**
 * bindingsOf lists the google.api.http rule of a method and its additional bindings; none if it has no rule.
 * It throws on a rule that names fields the request or reply does not have, as protoc-gen-go-http does.
 */
export function bindingsOf(method: DescMethod): Binding[] {
  if (!hasOption(method, http)) return [];
  const rule = getOption(method, http);
  return [rule, ...rule.additionalBindings].map((r) => toBinding(method, r));
}

/** describeBinding names a binding in messages: Service.Method VERB /path. */
export function describeBinding(method: DescMethod, b: Binding): string {
  return `${method.parent.typeName}.${method.name} ${b.method} ${b.path}`;
}

function toBinding(method: DescMethod, rule: HttpRule): Binding {
  const p = rule.pattern;
  let verb: string;
  let path: string;
  switch (p.case) {
    case "get":
    case "put":
    case "post":
    case "delete":
    case "patch":
      verb = p.case.toUpperCase();
      path = p.value;
      break;
    case "custom":
      verb = p.value.kind.toUpperCase();
      path = p.value.path;
      break;
    default:
      throw new Error(`${method.parent.typeName}.${method.name}: google.api.http rule has no pattern`);
  }
  const binding = { method: verb, path, body: rule.body, responseBody: rule.responseBody };
  check(method, binding);
  return binding;
}

function check(method: DescMethod, b: Binding): void {
  const where = describeBinding(method, b);
  for (const v of b.path.matchAll(/\{([^}=]+)/g)) {
    const fieldPath = (v[1] as string).split(".");
    let message = method.input;
    for (const [i, name] of fieldPath.entries()) {
      const field = message.fields.find((f) => f.name === name);
      if (!field) throw new Error(`${where}: path variable ${v[1]} names no field of ${method.input.typeName}`);
      if (field.fieldKind === "message" && i < fieldPath.length - 1) message = field.message;
      else if (field.fieldKind === "list" || field.fieldKind === "map") throw new Error(`${where}: path variable ${v[1]} is a ${field.fieldKind}`);
    }
  }
  if (b.body && b.body !== "*" && !method.input.fields.some((f) => f.name === b.body)) {
    throw new Error(`${where}: body ${b.body} names no field of ${method.input.typeName}`);
  }
  if (b.responseBody && !method.output.fields.some((f) => f.name === b.responseBody)) {
    throw new Error(`${where}: response_body ${b.responseBody} names no field of ${method.output.typeName}`);
  }
}
