import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "@kratos-ts/kratos/log";
import { type Dialect, type DialectAdapter, type Kysely, type MigrationLockOptions, MysqlDialect, PostgresDialect, SqliteAdapter, SqliteDialect } from "kysely";
import { createPool } from "mysql2";
import pg from "pg";
import { openSqlite } from "./sqlite.js";

/** The databases the data layer speaks. */
export type Driver = "sqlite" | "postgres" | "mysql";

/** The connections of a pool by state, for the db_pool_connections gauge. */
export interface PoolCounts {
  /** Every connection the pool holds, busy or idle. */
  total: number;
  idle: number;
  /** Queries queued for a connection. */
  waiting: number;
}

/** An opened database: Kysely's dialect, and how to count its pool's connections where the driver says. */
export interface Opened {
  dialect: Dialect;
  /** Only pg's Pool counts its connections publicly; mysql2's pool keeps them in private fields, SQLite has no pool. */
  pool?: () => PoolCounts;
}

/** dialectOf opens the database the config names: a SQLite file (its directory made if missing), or a pool. */
export function dialectOf(driver: Driver, source: string, log: Logger): Opened {
  try {
    return open(driver, source, log);
  } catch (err) {
    throw new Error(`open ${driver} database ${where(driver, source)}: ${(err as Error).message}`, { cause: err });
  }
}

/** where names a database in messages: the file, or the URL's host, port and database, never its password. */
export function where(driver: Driver, source: string): string {
  if (driver === "sqlite") return source;
  try {
    const url = new URL(source);
    return `${url.hostname}${url.port ? `:${url.port}` : ""}${url.pathname}`;
  } catch {
    return "(source is not a URL)";
  }
}

function open(driver: Driver, source: string, log: Logger): Opened {
  switch (driver) {
    case "sqlite": {
      if (source !== ":memory:") mkdirSync(dirname(source), { recursive: true });
      const db = openSqlite(source);
      // WAL lets readers run beside the writer; a busy file waits for its lock instead of failing at once.
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA busy_timeout = 5000");
      return { dialect: new LockingSqliteDialect({ database: db }) };
    }
    case "postgres": {
      // A pool connects on first use; a server that does not answer fails the first query within 5 s.
      const pool = new pg.Pool({ connectionString: source, max: 10, connectionTimeoutMillis: 5000 });
      // A connection the server drops is an error event on its client, and on the pool too while it is idle there;
      // unheard, either would kill the process. The client's is logged; the query it served, if any, fails apart.
      pool.on("connect", (client) => client.on("error", (err) => log.warn({ err }, `postgres ${where(driver, source)}: connection lost: ${err.message}`)));
      pool.on("error", () => {});
      return { dialect: new PostgresDialect({ pool }), pool: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }) };
    }
    case "mysql":
      // mysql2's pool keeps its connections in private fields (_allConnections, _freeConnections): no pool metrics.
      return { dialect: new MysqlDialect({ pool: createPool({ uri: source, connectionLimit: 10, connectTimeout: 5000 }) }) };
  }
}

/**
 * Kysely assumes one process per SQLite file and takes no migration lock; two replicas on one file would both
 * migrate. Here migrations run in a transaction (SQLite's DDL is transactional) whose first statement writes the
 * lock row, so the second replica waits for the first one's commit (busy_timeout) and then finds nothing to do.
 */
class LockingSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }

  override async acquireMigrationLock(db: Kysely<unknown>, opt: MigrationLockOptions): Promise<void> {
    await (db as Kysely<Record<string, { id: string; is_locked: number }>>)
      .updateTable(opt.lockTable)
      .set({ is_locked: 1 })
      .where("id", "=", opt.lockRowId)
      .execute();
  }

  override async releaseMigrationLock(db: Kysely<unknown>, opt: MigrationLockOptions): Promise<void> {
    await (db as Kysely<Record<string, { id: string; is_locked: number }>>)
      .updateTable(opt.lockTable)
      .set({ is_locked: 0 })
      .where("id", "=", opt.lockRowId)
      .execute();
  }
}

class LockingSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new LockingSqliteAdapter();
  }
}
