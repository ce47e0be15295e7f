import { z } from "zod";
import { parseDuration } from "./duration.js";

/** duration is a config value written as a Go duration (1s, 0.2s, 500ms, 1m30s) and read as milliseconds. */
export function duration() {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const text = String(value);
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: `invalid duration ${JSON.stringify(value)}: want a Go duration such as 1s, 500ms or 1m30s` });
      return z.NEVER;
    }
    return ms;
  });
}

type Leaf = "string" | "number" | "boolean";

/** leafPaths lists every leaf key of an object schema with the kind of value it takes. */
export function leafPaths(schema: z.ZodType, prefix: string[] = []): Array<{ path: string[]; kind: Leaf }> {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, child]) => leafPaths(child, [...prefix, key]));
  }
  const type = inner._zod.def.type;
  return [{ path: prefix, kind: type === "number" ? "number" : type === "boolean" ? "boolean" : "string" }];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    const def = s._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if (def.innerType && ["default", "prefault", "optional", "nullable", "readonly"].includes(def.type)) s = def.innerType;
    else if (def.type === "pipe" && def.in) s = def.in;
    else return s;
  }
}
