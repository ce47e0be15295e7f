import { z } from "zod";
import { cut, escapeControls, quote } from "../text.js";
import { parseAddress } from "../transport/address.js";
import { parseDuration } from "./duration.js";

/** The longest duration a config may give, 596h: about the longest delay Node's timers take (2^31-1 ms). */
export const MAX_DURATION = "596h";
const maxDurationMs = parseDuration(MAX_DURATION) as number;

/**
 * duration is a config value written as a Go duration (1s, 0.2s, 500ms, 1m30s) and read as whole milliseconds,
 * the unit Node's timers and socket timeouts take: a fraction of a millisecond is rounded up (1500us is 2 ms,
 * 1ns is 1 ms), so a positive duration never becomes 0, which often means no limit at all. A value of another
 * type, or longer than MAX_DURATION, is refused with a message saying what is wanted.
 *
 * @example
 * const Conf = z.strictObject({ timeout: duration().prefault("1s") });
 */
export function duration() {
  return z.unknown().transform((value, ctx) => {
    const ms = typeof value === "string" || typeof value === "number" ? parseDuration(String(value)) : undefined;
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: `invalid duration ${shown(value)}: want a Go duration such as 1s, 500ms or 1m30s` });
      return z.NEVER;
    }
    if (ms > maxDurationMs) {
      ctx.addIssue({ code: "custom", message: `invalid duration ${shown(value)}: longer than ${MAX_DURATION}, the longest Node's timers wait` });
      return z.NEVER;
    }
    return Math.ceil(ms);
  });
}

/**
 * shown writes a config value for a message as JSON, on one line, cut to its first characters. YAML aliases can
 * make a sequence or a mapping cyclic, or far larger written out than read: one of more than a few hundred
 * values, or a cyclic one, is named by its kind.
 */
function shown(value: unknown): string {
  if (typeof value === "string") return quote(value);
  // JSON would write NaN and the infinities (YAML's .nan and .inf) as null.
  if (typeof value === "number") return String(value);
  let left = 500;
  try {
    const json = JSON.stringify(value, (_key, v: unknown) => {
      if (--left < 0) throw new RangeError("too large to show");
      return v;
    });
    return escapeControls(cut(json ?? String(value)));
  } catch {
    return Array.isArray(value) ? "(a sequence)" : "(a mapping)";
  }
}

/**
 * address is a config value naming where to listen or connect: host:port, [v6]:port or :port, with a port
 * from 0 to 65535 and a host that is a hostname, an IPv4 address or an IPv6 address in brackets (see parseAddress).
 *
 * @example
 * const Conf = z.strictObject({ addr: address().prefault("0.0.0.0:8000") });
 */
export function address() {
  return z.string().superRefine((value, ctx) => {
    try {
      parseAddress(value);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
    }
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
