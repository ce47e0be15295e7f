import type { ServerResponse } from "node:http";
import { KratosError } from "../../errors/errors.js";
import type { Readiness } from "../../health/readiness.js";
import { encodeStatus, JSON_TYPE } from "./codec.js";
import type { HTTPServer, PlainHandler } from "./server.js";

/** The body of a 200 from the liveness and the readiness routes. */
export const HEALTHY_BODY = '{"status":"ok"}';

/** The reason of a 503 from the readiness route. */
export const NOT_READY = "NOT_READY";

/** livenessHandler answers 200 {"status":"ok"} to every request: the process serves HTTP. */
export function livenessHandler(): PlainHandler {
  return (_req, res) => write(res, 200, HEALTHY_BODY);
}

/**
 * readinessHandler answers 200 {"status":"ok"} while the readiness passes, and otherwise 503 with the Kratos
 * error JSON naming the failing check: {"code":503,"reason":"NOT_READY","message":"<check>: <cause>","metadata":{"check":"<check>"}}.
 */
export function readinessHandler(readiness: Readiness): PlainHandler {
  return async (_req, res) => {
    const result = await readiness.check();
    if (result.ready) write(res, 200, HEALTHY_BODY);
    else write(res, 503, encodeStatus(new KratosError(503, NOT_READY, `${result.check}: ${result.message}`, { check: result.check })));
  };
}

/**
 * serveHealth serves GET (and HEAD) /healthz and /readyz on the server as plain routes: outside the middleware
 * chain, so neither a logging nor a metrics middleware sees them.
 */
export function serveHealth(server: HTTPServer, readiness: Readiness, paths: { liveness?: string; readiness?: string } = {}): void {
  server.handle("GET", paths.liveness ?? "/healthz", livenessHandler());
  server.handle("GET", paths.readiness ?? "/readyz", readinessHandler(readiness));
}

function write(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "Content-Type": JSON_TYPE, "Content-Length": Buffer.byteLength(body), "Cache-Control": "no-store" });
  res.end(body);
}
