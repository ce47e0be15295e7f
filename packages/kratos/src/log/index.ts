export { LOGGER, type LogFormat, type LogLevel, type Logger, type LoggerOptions, newLogger } from "./logger.js";
