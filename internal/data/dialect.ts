import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { messageOf } from "@kratos-ts/kratos/errors";
import type { Logger } from "@kratos-ts/kratos/log";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type DialectAdapter,
  type Driver as KyselyDriver,
  MysqlDialect,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";
import type * as Mysql2 from "mysql2";
import type Pg from "pg";
import type { DataConf } from "../conf/conf.js";
import { openSqlite } from "./sqlite.js";

// The server drivers load only when the config names them: on SQLite, the default, start-up skips them (about 100 ms).
const require = createRequire(import.meta.url);

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

/**
 * sourceOf is the source to connect to: for postgres and mysql, the URL with the password set when one comes
 * from password (the environment) or password_file (a mounted secret, its trailing newline dropped).
 */
export function sourceOf(database: DataConf["database"]): string {
  const { driver, source, password_file: file } = database;
  let password = database.password;
  if (file !== "") {
    try {
      password = readFileSync(file, "utf8").replace(/\r?\n$/, "");
    } catch (err) {
      throw new Error(`data.database.password_file ${file}: ${(err as NodeJS.ErrnoException).code ?? messageOf(err)}`, { cause: err });
    }
  }
  if (driver === "sqlite" || password === "" || !URL.canParse(source)) return source;
  const url = new URL(source);
  url.password = encodeURIComponent(password);
  return url.href;
}

/** attributesOf is what a database's spans say of it, in OpenTelemetry's terms; never the password. */
export function attributesOf(driver: Driver, source: string): Record<string, string | number> {
  const system = { sqlite: "sqlite", postgres: "postgresql", mysql: "mysql" }[driver];
  if (driver === "sqlite") return { "db.system.name": system, "db.namespace": source };
  try {
    const url = new URL(source);
    const port = Number(url.port || (driver === "postgres" ? 5432 : 3306));
    return { "db.system.name": system, "db.namespace": url.pathname.slice(1), "server.address": url.hostname, "server.port": port };
  } catch {
    return { "db.system.name": system };
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
      // A busy file waits for its lock instead of failing at once, from the first statement on: switching to WAL
      // (which lets readers run beside the writer) itself needs the lock another replica may be holding.
      db.exec("PRAGMA busy_timeout = 5000");
      db.exec("PRAGMA journal_mode = WAL");
      // In WAL mode NORMAL syncs at checkpoints rather than at each commit: a crash of the process loses nothing,
      // one of the machine at most the last commits, and no write waits on the disk on the event loop.
      db.exec("PRAGMA synchronous = NORMAL");
      return { dialect: new LockingSqliteDialect({ database: db }) };
    }
    case "postgres": {
      // A pool connects on first use; a server that does not answer fails the first query within 5 s.
      const pg = require("pg") as typeof Pg;
      const pool = new pg.Pool({ connectionString: source, max: 10, connectionTimeoutMillis: 5000 });
      // A connection the server drops is an error event on its client, and on the pool too while it is idle there;
      // unheard, either would kill the process. The client's is logged; the query it served, if any, fails apart.
      pool.on("connect", (client) => client.on("error", (err) => log.warn({ err }, `postgres ${where(driver, source)}: connection lost: ${err.message}`)));
      pool.on("error", () => {});
      return { dialect: new PostgresDialect({ pool }), pool: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }) };
    }
    case "mysql":
      // mysql2's pool keeps its connections in private fields (_allConnections, _freeConnections): no pool metrics.
      return {
        dialect: new MysqlDialect({ pool: (require("mysql2") as typeof Mysql2).createPool({ uri: source, connectionLimit: 10, connectTimeout: 5000 }) }),
      };
  }
}

/**
 * Kysely assumes one process per SQLite file: its migration lock is a no-op there, and a deferred `begin` that
 * reads and then writes fails at once with "database is locked" when another process wrote in between. Here every
 * transaction begins IMMEDIATE, taking the write lock first (waiting busy_timeout for it), and migrations run in
 * one such transaction (SQLite's DDL is transactional): a second replica waits for the first one's commit and
 * then finds nothing to do.
 */
class LockingSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }

  override createDriver(): KyselyDriver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}
