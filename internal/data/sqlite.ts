import { createRequire } from "node:module";
import type { SqliteDatabase, SqliteStatement } from "kysely";

const require = createRequire(import.meta.url);

/** The SQLite engine this Node runs: its built-in node:sqlite where it has one, better-sqlite3 on Node 20. */
export const sqliteEngine: "node:sqlite" | "better-sqlite3" = hasNodeSqlite() ? "node:sqlite" : "better-sqlite3";

/**
 * openSqlite opens a SQLite file (or ":memory:") for Kysely's SqliteDialect. Node 22.5 and later have SQLite
 * built in; better-sqlite3 12 (a native addon, the last line for Node 20) aborts the process on Node 24 when
 * a statement is garbage-collected at teardown (`Assertion failed: (env) != nullptr`), so it serves Node 20 only.
 */
export function openSqlite(path: string): SqliteDatabase & { exec(sql: string): void } {
  const db = sqliteEngine === "node:sqlite" ? openBuiltin(path) : openAddon(path);
  return { close: () => db.close(), exec: (sql) => db.exec(sql), prepare: preparedOnce((sql) => db.prepare(sql)) };
}

/** How many prepared statements a database keeps: more than the distinct queries the service makes. */
const STATEMENT_CACHE = 64;

/**
 * preparedOnce prepares each distinct SQL text once: Kysely prepares every query it runs, and each statement
 * left to the garbage collector holds native memory until then, which fragments the C heap under load. The
 * oldest statement goes when the cache is full. Kysely runs one query at a time on SQLite, so none is shared.
 */
function preparedOnce(prepare: (sql: string) => SqliteStatement): (sql: string) => SqliteStatement {
  const prepared = new Map<string, SqliteStatement>();
  return (sql) => {
    let stmt = prepared.get(sql);
    if (stmt) return stmt;
    stmt = prepare(sql);
    if (prepared.size >= STATEMENT_CACHE) prepared.delete(prepared.keys().next().value as string);
    prepared.set(sql, stmt);
    return stmt;
  };
}

function hasNodeSqlite(): boolean {
  try {
    require("node:sqlite");
    return true;
  } catch {
    return false;
  }
}

interface BuiltinStatement {
  columns(): unknown[];
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

// node:sqlite takes parameters spread, says whether a statement returns rows through its columns, and hands out
// rows without a prototype; they are copied to plain objects, as better-sqlite3 and the server drivers give them.
function openBuiltin(path: string): SqliteDatabase & { exec(sql: string): void } {
  const { DatabaseSync } = require("node:sqlite") as {
    DatabaseSync: new (path: string) => { prepare(sql: string): BuiltinStatement; exec(sql: string): void; close(): void };
  };
  const db = new DatabaseSync(path);
  return {
    close: () => db.close(),
    exec: (sql) => db.exec(sql),
    prepare(sql): SqliteStatement {
      const stmt = db.prepare(sql);
      return {
        reader: stmt.columns().length > 0,
        all: (params) => stmt.all(...params).map((row) => ({ ...(row as object) })),
        run: (params) => stmt.run(...params),
        iterate: (params) => stmt.iterate(...params),
      };
    },
  };
}

function openAddon(path: string): SqliteDatabase & { exec(sql: string): void } {
  let Addon: new (path: string) => SqliteDatabase & { exec(sql: string): void };
  try {
    Addon = require("better-sqlite3");
  } catch (err) {
    throw new Error(
      `SQLite on Node ${process.versions.node} needs better-sqlite3, which did not build here (${(err as Error).message.split("\n")[0]}): install python3, make and g++, then npm ci`,
      { cause: err },
    );
  }
  return new Addon(path);
}
