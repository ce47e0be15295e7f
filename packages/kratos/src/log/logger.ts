import { createRequire } from "node:module";
import { type DestinationStream, type Logger as PinoLogger, pino } from "pino";
import type { PrettyOptions } from "pino-pretty";
import { currentSpanContext } from "../context/trace.js";
import { escapeControls } from "../text.js";
import { callerOf } from "./caller.js";
import { markPlain } from "./line.js";
import { redactHeaders } from "./redact.js";
import { timestampField } from "./timestamp.js";

// pino-pretty is loaded only for the pretty format, so JSON logging (production) never pays for it.
const require = createRequire(import.meta.url);
const pretty = (opts: PrettyOptions): DestinationStream => (require("pino-pretty") as { default: (o: PrettyOptions) => DestinationStream }).default(opts);

export type Logger = PinoLogger;

/** The injection token of the application logger. */
export const LOGGER = Symbol("Logger");

export type LogFormat = "json" | "pretty" | "auto";
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export interface LoggerOptions {
  id: string;
  name: string;
  version: string;
  level?: LogLevel;
  /** auto writes pretty lines to a terminal and JSON lines anywhere else. */
  format?: LogFormat;
  /** Adds caller=dir/file:line to every line; it costs a stack capture per line, so it is off by default. */
  caller?: boolean;
  /**
   * Where lines go, written synchronously as given. By default stdout: JSON lines written asynchronously
   * (pino.destination, sync false), so a request never waits on the pipe; flushLogger writes what is
   * buffered, and must run before the process exits.
   */
  destination?: DestinationStream;
  /** Whether stdout is a terminal, for format auto; process.stdout.isTTY by default. */
  isTTY?: boolean;
}

/** newLogger builds a JSON-lines logger whose lines carry the Kratos fields. */
export function newLogger(opts: LoggerOptions): Logger {
  const format = opts.format ?? "auto";
  const usePretty = format === "pretty" || (format === "auto" && (opts.isTTY ?? process.stdout.isTTY === true));
  // Asynchronous stdout: a line is handed to a libuv write off the event loop, never written in the request's
  // path; lines logged while a write is in flight go out together in the next one (up to 16 KiB). minLength 1
  // writes at once when nothing is in flight (a larger one would hold the lines of an idle server until it
  // fills), and, unlike 0, makes flush() wait for the write in flight, which flushLogger needs.
  const stdout = usePretty || opts.destination ? undefined : pino.destination({ dest: 1, sync: false, minLength: 1 });
  const destination = usePretty
    ? pretty({
        sync: true,
        messageKey: "msg",
        timestampKey: "ts",
        translateTime: "SYS:standard",
        // The other fields are printed as JSON; a message printed as it is could forge a line or a terminal escape.
        messageFormat: (log, key) => escapeControls(String(log[key] ?? "")),
        destination: opts.destination ?? 1,
      })
    : (opts.destination ?? (stdout as DestinationStream));
  const logger = pino(
    {
      level: opts.level ?? "info",
      messageKey: "msg",
      base: {
        "service.id": opts.id,
        "service.name": opts.name,
        "service.version": opts.version,
      },
      timestamp: timestampField,
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
      // Request headers or metadata logged under these names never show a credential.
      serializers: { headers: redactHeaders, metadata: redactHeaders },
      mixin: opts.caller ? () => ({ ...traceFields(), caller: callerOf(new Error().stack) }) : traceFields,
    },
    destination,
  );
  if (stdout) buffered.set(logger, stdout);
  if (!opts.caller) markPlain(logger);
  return logger;
}

// The ids of the span serving the request being run, on every line it logs wherever it logs from; empty
// outside a request or without a tracing middleware, as in kratos-layout. A new object each time: pino
// merges the line's own fields into it.
function traceFields(): { "trace.id": string; "span.id": string } {
  const span = currentSpanContext();
  return span ? { "trace.id": span.traceId, "span.id": span.spanId } : { "trace.id": "", "span.id": "" };
}

const buffered = new WeakMap<Logger, { flushSync(): void }>();

/**
 * flushLogger writes every line the logger has buffered before it resolves: it waits for the write in
 * flight, then writes the rest synchronously. Call it after the app stops and before process.exit; a
 * logger with an explicit destination has nothing buffered here. It never rejects: a stdout that is
 * gone (EPIPE) loses the lines, as it would have anyway.
 */
export async function flushLogger(logger: Logger, timeoutMs = 2000): Promise<void> {
  const dest = buffered.get(logger);
  if (!dest) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    try {
      logger.flush(() => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
  flushLoggerSync(logger);
}

/** flushLoggerSync writes what the logger has buffered synchronously, for an exit that cannot wait. */
export function flushLoggerSync(logger: Logger): void {
  try {
    buffered.get(logger)?.flushSync();
  } catch {
    // Destroyed, or stdout gone: nothing more can be written.
  }
}
