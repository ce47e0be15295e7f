export { type LineWriter, lineWriter } from "./line.js";
export { flushLogger, flushLoggerSync, LOGGER, type LogFormat, type Logger, type LoggerOptions, type LogLevel, newLogger } from "./logger.js";
export { CREDENTIAL_HEADERS, REDACTED, redactHeaders } from "./redact.js";
