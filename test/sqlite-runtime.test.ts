// better-sqlite3 is a native addon built per Node ABI (scripts/better-sqlite3.sh): this file runs in both
// make test (the machine's node) and make test-node24, so each run proves that its node loads a build made
// for it, through Kysely's SqliteDialect as the data layer uses it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { type Generated, Kysely, SqliteDialect, sql } from "kysely";

interface Greetings {
  id: Generated<number>;
  name: string;
}

describe("better-sqlite3 on this node", () => {
  it("runs queries through Kysely's SqliteDialect on an in-memory database", async (t) => {
    t.diagnostic(`node ${process.version}, NODE_MODULE_VERSION ${process.versions.modules}`);
    const db = new Kysely<{ greetings: Greetings }>({ dialect: new SqliteDialect({ database: new Database(":memory:") }) });
    try {
      await db.schema
        .createTable("greetings")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("name", "text", (c) => c.notNull())
        .execute();
      await db
        .insertInto("greetings")
        .values([{ name: "kratos" }, { name: "kysely" }])
        .execute();
      const rows = await db.selectFrom("greetings").select(["id", "name"]).orderBy("id").execute();
      assert.deepEqual(rows, [
        { id: 1, name: "kratos" },
        { id: 2, name: "kysely" },
      ]);
      const { rows: one } = await sql<{ answer: number; hello: string }>`select 6 * 7 as answer, 'Hello ' || ${"kratos"} as hello`.execute(db);
      assert.deepEqual(one, [{ answer: 42, hello: "Hello kratos" }]);
    } finally {
      await db.destroy();
    }
  });
});
