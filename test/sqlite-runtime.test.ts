// SQLite comes from Node itself where it has node:sqlite (22.5 and later, so Node 24), else from better-sqlite3,
// a native addon npm ci compiles (Node 20). This file runs in make test and make test-node24, so each run proves
// its node opens the engine it should, through Kysely's SqliteDialect as the data layer uses it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Generated, Kysely, SqliteDialect, sql } from "kysely";
import { openSqlite, sqliteEngine } from "../internal/data/sqlite.js";

interface Greetings {
  id: Generated<number>;
  name: string;
}

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);

describe("SQLite on this node", () => {
  it(`uses ${major > 22 || (major === 22 && minor >= 5) ? "node:sqlite" : "better-sqlite3"} on Node ${process.versions.node}`, () => {
    assert.equal(sqliteEngine, major > 22 || (major === 22 && minor >= 5) ? "node:sqlite" : "better-sqlite3");
  });

  it("runs queries, RETURNING included, through Kysely's SqliteDialect on an in-memory database", async () => {
    const db = new Kysely<{ greetings: Greetings }>({ dialect: new SqliteDialect({ database: openSqlite(":memory:") }) });
    try {
      await db.schema
        .createTable("greetings")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("name", "text", (c) => c.notNull())
        .execute();
      const inserted = await db
        .insertInto("greetings")
        .values([{ name: "kratos" }, { name: "kysely" }])
        .returning(["id", "name"])
        .execute();
      assert.deepEqual(inserted, [
        { id: 1, name: "kratos" },
        { id: 2, name: "kysely" },
      ]);
      const { numUpdatedRows } = await db.updateTable("greetings").set({ name: "kratos!" }).where("id", "=", 1).executeTakeFirst();
      assert.equal(numUpdatedRows, 1n);
      const { rows: one } = await sql<{ answer: number; hello: string }>`select 6 * 7 as answer, 'Hello ' || ${"kratos"} as hello`.execute(db);
      assert.deepEqual(one, [{ answer: 42, hello: "Hello kratos" }]);
    } finally {
      await db.destroy();
    }
  });
});
