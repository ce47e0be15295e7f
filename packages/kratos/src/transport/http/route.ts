import type { DescMethod } from "@bufbuild/protobuf";
import type { Binding } from "./rules.js";

/** Route is one google.api.http binding of an RPC. */
export interface Route extends Binding {
  rpc: DescMethod;
}

/** A path template compiled to a matcher, with the request field each variable fills. */
export interface CompiledPath {
  regex: RegExp;
  /** Dotted field paths, in the order of the regex's groups. */
  vars: string[][];
}

/** compilePath turns a google.api.http path template into an anchored regular expression. */
export function compilePath(template: string): CompiledPath {
  if (!template.startsWith("/")) throw new Error(`path template ${JSON.stringify(template)} must start with /`);
  const vars: string[][] = [];
  let body = template;
  let verb = "";
  const lastSlash = body.lastIndexOf("/");
  const colon = body.indexOf(":", lastSlash);
  if (colon > 0 && !body.slice(lastSlash, colon).includes("}")) {
    verb = `:${escapeRegExp(body.slice(colon + 1))}`;
    body = body.slice(0, colon);
  }
  const source = body
    .slice(1)
    .split(/\/(?![^{]*\})/)
    .map((segment) => {
      const v = /^\{([A-Za-z_][\w.]*)(?:=(.+))?\}$/.exec(segment);
      if (v) {
        vars.push((v[1] as string).split("."));
        return `(${v[2] ? segments(v[2]) : "[^/]+"})`;
      }
      if (segment.includes("{") || segment.includes("}")) throw new Error(`bad path segment ${JSON.stringify(segment)} in ${template}`);
      return segments(segment);
    })
    .join("/");
  return { regex: new RegExp(`^/${source}${verb}$`), vars };
}

function segments(pattern: string): string {
  return pattern
    .split("/")
    .map((s) => (s === "**" ? ".*" : s === "*" ? "[^/]+" : escapeRegExp(s)))
    .join("/");
}

function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
