import { Gauge, type Registry } from "prom-client";
import type { Data } from "./data.js";

/**
 * registerPoolMetrics adds db_pool_connections{state="total"|"idle"|"waiting"} to the registry, read from the pool
 * at each scrape, where the driver counts its connections (PostgreSQL); it adds nothing for SQLite and MySQL.
 */
export function registerPoolMetrics(registry: Registry, data: Data): void {
  const counts = data.poolCounts;
  if (!counts) return;
  new Gauge({
    name: "db_pool_connections",
    help: "The database pool's connections by state: total (busy or idle), idle, and waiting (queries queued for one).",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const c = counts();
      this.set({ state: "total" }, c.total);
      this.set({ state: "idle" }, c.idle);
      this.set({ state: "waiting" }, c.waiting);
    },
  });
}
