import type { Context } from "@kratos-ts/kratos/context";
import { errorDatabaseUnavailable } from "../../api/helloworld/v1/error_reason_errors.js";

// Connection failures by errno (Node's sockets), by mysql2's code, and by SQLSTATE class 08 (connection
// exception) or 57P0x (the server shutting down or starting) from PostgreSQL.
const socketCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
const mysqlCodes = new Set(["PROTOCOL_CONNECTION_LOST", "PROTOCOL_SEQUENCE_TIMEOUT", "ER_CON_COUNT_ERROR", "ER_SERVER_SHUTDOWN"]);
const pgMessages = [/^Connection terminated/, /^timeout exceeded when trying to connect/, /^Client has encountered a connection error/];

/** isUnavailable says whether err means the database cannot be reached now, rather than that a query is wrong. */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof AggregateError) return err.errors.some(isUnavailable);
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  if (socketCodes.has(code) || mysqlCodes.has(code) || code.startsWith("08") || /^57P0[1-3]$/.test(code)) return true;
  return typeof e.message === "string" && pgMessages.some((m) => m.test(e.message as string));
}

/**
 * guard runs a database call for a request: it answers at the request's deadline (Kysely 0.28 cannot cancel
 * a query, so the call is left to finish alone), and turns a lost database into 503 DATABASE_UNAVAILABLE, so the
 * client learns to retry and the process stays up; the pools reconnect on their own once the database is back.
 * Any other error passes unchanged.
 */
export async function guard<T>(ctx: Context, work: Promise<T>): Promise<T> {
  try {
    return await ctx.race(work);
  } catch (err) {
    if (isUnavailable(err)) throw errorDatabaseUnavailable("database unavailable").withCause(err);
    throw err;
  }
}
