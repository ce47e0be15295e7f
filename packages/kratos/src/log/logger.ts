import { createRequire } from "node:module";
import { type DestinationStream, type Logger as PinoLogger, pino } from "pino";
import type { PrettyOptions } from "pino-pretty";
import { callerOf } from "./caller.js";

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
  /** Where lines go; stdout by default. */
  destination?: DestinationStream;
  /** Whether stdout is a terminal, for format auto; process.stdout.isTTY by default. */
  isTTY?: boolean;
}

/** newLogger builds a JSON-lines logger whose lines carry the Kratos fields. */
export function newLogger(opts: LoggerOptions): Logger {
  const format = opts.format ?? "auto";
  const usePretty = format === "pretty" || (format === "auto" && (opts.isTTY ?? process.stdout.isTTY === true));
  const destination = usePretty
    ? pretty({ sync: true, messageKey: "msg", timestampKey: "ts", translateTime: "SYS:standard", destination: opts.destination ?? 1 })
    : (opts.destination ?? pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      level: opts.level ?? "info",
      messageKey: "msg",
      base: {
        "service.id": opts.id,
        "service.name": opts.name,
        "service.version": opts.version,
        // Empty until a tracing middleware fills them, as in kratos-layout.
        "trace.id": "",
        "span.id": "",
      },
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
      ...(opts.caller ? { mixin: () => ({ caller: callerOf(new Error().stack) }) } : {}),
    },
    destination,
  );
}
