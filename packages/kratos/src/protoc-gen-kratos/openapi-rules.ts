import { type DescField, type DescMessage, getOption, hasOption, isFieldSet } from "@bufbuild/protobuf";
import { field as fieldRules, StringRulesSchema } from "../gen/buf/validate/validate_pb.js";
import type { Obj } from "./openapi-schemas.js";

/**
 * ruleKeywords is the JSON Schema form, as OpenAPI 3.0 writes it, of the protovalidate rules of a
 * scalar field ((buf.validate.field) options): minLength and maxLength for a string's min_len and
 * max_len (characters, as both count them); minimum and maximum for an integer's bounds, with
 * exclusiveMinimum or exclusiveMaximum true for gt and lt. A field without rules has none.
 */
export function ruleKeywords(field: DescField): Obj {
  if (!hasOption(field, fieldRules)) return {};
  const rules = getOption(field, fieldRules).type;
  const out: Obj = {};
  switch (rules.case) {
    case "string": {
      const r = rules.value;
      if (isFieldSet(r, StringRulesSchema.field.minLen)) bound(out, "minLength", r.minLen);
      if (isFieldSet(r, StringRulesSchema.field.maxLen)) bound(out, "maxLength", r.maxLen);
      break;
    }
    case "int32":
    case "int64": {
      const { greaterThan: lower, lessThan: upper } = rules.value;
      if (lower.case) bound(out, "minimum", lower.value, lower.case === "gt" ? "exclusiveMinimum" : undefined);
      if (upper.case) bound(out, "maximum", upper.value, upper.case === "lt" ? "exclusiveMaximum" : undefined);
      break;
    }
  }
  return out;
}

/** hasRules reports whether a message, or a message in it, declares protovalidate rules on a field. */
export function hasRules(message: DescMessage, seen: DescMessage[] = []): boolean {
  if (seen.includes(message)) return false;
  return message.fields.some((f) => hasOption(f, fieldRules) || (f.message !== undefined && hasRules(f.message, [...seen, message])));
}

/**
 * bound sets keyword to v, and exclusive to true if given. A value past 2^53 - 1 would lose digits as a
 * YAML number, and a JSON Schema bound must be a number: such a bound is left out rather than misstated.
 */
function bound(out: Obj, keyword: string, v: number | bigint, exclusive?: string): void {
  if (typeof v === "bigint" && (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))) return;
  out[keyword] = Number(v);
  if (exclusive) out[exclusive] = true;
}
