import { pino } from "pino";
import { currentSpanContext } from "../context/trace.js";
import type { Logger } from "./logger.js";

const { lsCacheSym, timeSym, chindingsSym, streamSym, endSym, needsMetadataGsym, hooksSym } = pino.symbols;

/** Writes one line at level with fields given as JSON members, each with a leading comma: `,"code":200,"reason":""`. */
export type LineWriter = (level: "info" | "error", fields: string) => void;

// Loggers whose lines are pino's fields plus the trace ids: made by newLogger without the caller field.
const plain = new WeakSet<Logger>();

/** markPlain records that logger's only per-line fields are the trace ids, so a LineWriter can write its lines. */
export function markPlain(logger: Logger): void {
  plain.add(logger);
}

/**
 * lineWriter returns a writer of logger's lines whose fields are already JSON, for a hot path that logs the
 * same shape on every call (the access log): the line is what logger.info(fields, msg) writes, byte for byte,
 * without pino walking an object of fields. It is undefined for a logger it cannot vouch for: one not made by
 * newLogger, one with the caller field, or one whose destination wants pino's metadata; log through pino then.
 *
 * @example
 * const write = lineWriter(logger, "access");
 * if (write && logger.isLevelEnabled("info")) write("info", `,"code":200,"latency":${seconds}`);
 */
export function lineWriter(logger: Logger, msg: string): LineWriter | undefined {
  const l = logger as unknown as Record<symbol, unknown>;
  if (!plain.has(logger) || (l[streamSym] as Record<symbol, unknown>)[needsMetadataGsym] || (l[hooksSym] as { streamWrite?: unknown }).streamWrite) {
    return undefined;
  }
  const tail = `,"msg":${JSON.stringify(msg)}${l[endSym] as string}`;
  const values = logger.levels.values;
  return (level, fields) => {
    const head = (l[lsCacheSym] as Record<number, string>)[values[level] as number] as string;
    const line = head + (l[timeSym] as () => string)() + (l[chindingsSym] as string) + traceFieldsJSON() + fields + tail;
    (l[streamSym] as { write(s: string): void }).write(line);
  };
}

const NO_TRACE = ',"trace.id":"","span.id":""';

/** traceFieldsJSON is what the logger's mixin adds to a line, the ids of the span serving the current request, as JSON members. */
function traceFieldsJSON(): string {
  const span = currentSpanContext();
  return span ? `,"trace.id":${JSON.stringify(span.traceId)},"span.id":${JSON.stringify(span.spanId)}` : NO_TRACE;
}
