import type { App } from "@kratos-ts/kratos";
import { messageOf } from "@kratos-ts/kratos/errors";
import type { Logger } from "@kratos-ts/kratos/log";

/**
 * stopOnProcessFault makes an unhandled rejection or an uncaught exception stop the app gracefully instead
 * of killing the process mid-request: it is logged through the logger, in-flight requests finish, and
 * error is set for main to exit non-zero. Only the first fault counts; later ones are logged too.
 */
export function stopOnProcessFault(app: App, logger: Logger): { error?: Error } {
  const fault: { error?: Error } = {};
  const on = (what: string) => (err: unknown) => {
    const message = messageOf(err);
    logger.error({ err }, `${what}: ${message}, stopping`);
    fault.error ??= new Error(`${what}: ${message}`);
    app.stop();
  };
  process.on("unhandledRejection", on("unhandled rejection"));
  process.on("uncaughtException", on("uncaught exception"));
  return fault;
}
