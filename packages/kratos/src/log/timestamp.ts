// Date#toISOString costs about a microsecond, as much as the rest of a short line; a busy server writes
// many lines in one millisecond, and all of them in one second share everything up to the milliseconds.
let second = Number.NaN;
let prefix = "";
let lastMs = Number.NaN;
let lastField = "";

/** timestampField is pino's `,"ts":"<ISO 8601 UTC time>"` for now, made once per millisecond. */
export function timestampField(): string {
  const now = Date.now();
  if (now === lastMs) return lastField;
  const s = Math.floor(now / 1000);
  if (s !== second) {
    second = s;
    // "2026-12-01T01:23:45." from the ISO form of the whole second.
    prefix = `,"ts":"${new Date(s * 1000).toISOString().slice(0, 20)}`;
  }
  const ms = now - s * 1000;
  lastMs = now;
  lastField = `${prefix}${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}Z"`;
  return lastField;
}
