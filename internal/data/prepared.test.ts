import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from "kysely";
import { prepare } from "./prepared.js";
import type { Database } from "./schema.js";

// Kysely's compile-only set-up: queries are compiled, never run.
const db = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

describe("prepare", () => {
  const update = prepare(["hello", "now"], ({ hello, now }) =>
    db.updateTable("greeters").set({ greet_count: 7, updated_at: now }).where("hello", "=", hello).where("created_at", "<", now),
  );

  it("compiles the query once and fills each placeholder, wherever and however often it appears, keeping constants", () => {
    const a = update({ hello: "kratos", now: 1000 });
    const b = update({ hello: "go", now: 2000 });
    assert.equal(a.sql, 'update "greeters" set "greet_count" = $1, "updated_at" = $2 where "hello" = $3 and "created_at" < $4');
    assert.deepEqual(
      [a.parameters, b.parameters],
      [
        [7, 1000, "kratos", 1000],
        [7, 2000, "go", 2000],
      ],
    );
    assert.equal(a.query, b.query, "one tree, built once");
  });

  it("refuses a placeholder the query never uses", () => {
    assert.throws(() => prepare(["hello", "unused"], ({ hello }) => db.selectFrom("greeters").selectAll().where("hello", "=", hello)), {
      message: 'prepare: unused is no parameter of select * from "greeters" where "hello" = $1',
    });
  });
});
