import type { HTTPServer } from "@kratos-ts/kratos/transport/http";
import { collectDefaultMetrics, Registry } from "prom-client";

/** The token of the app's metrics registry: one per app, never prom-client's global one. */
export const METRICS_REGISTRY = Symbol("MetricsRegistry");

/** newRegistry makes the app's registry, with the process and Node runtime metrics (event-loop lag among them). */
export function newRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** serveMetrics serves the registry in the Prometheus text format at path on the HTTP port; "" serves nothing. */
export function serveMetrics(srv: HTTPServer, path: string, registry: Registry): void {
  if (!path) return;
  srv.handle("GET", path, async (_req, res) => {
    try {
      const body = await registry.metrics();
      res.writeHead(200, { "Content-Type": registry.contentType }).end(body);
    } catch (err) {
      res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" }).end(`collect metrics: ${(err as Error).message}\n`);
    }
  });
}
