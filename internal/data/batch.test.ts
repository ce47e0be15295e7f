import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { type Context, currentContext } from "@kratos-ts/kratos/context";
import { newLogger } from "@kratos-ts/kratos/log";
import { LogCapture, testContext } from "@kratos-ts/kratos/testing";
import { CompiledQuery, Kysely, Migrator, sql } from "kysely";
import { GroupCommit } from "./batch.js";
import { dialectOf } from "./dialect.js";
import { migrations } from "./migrations.js";
import { prepare } from "./prepared.js";
import type { Database } from "./schema.js";

describe("GroupCommit on SQLite", () => {
  const dir = mkdtempSync(join(tmpdir(), "group-commit-"));
  const executed: string[] = [];
  const { dialect } = dialectOf("sqlite", join(dir, "batch.db"), newLogger({ id: "t", name: "t", version: "t", destination: new LogCapture() }));
  const db = new Kysely<Database>({
    dialect,
    log: (event) => {
      executed.push(event.query.sql);
    },
  });
  before(async () => {
    await new Migrator({ db, provider: { getMigrations: async () => migrations("sqlite") } }).migrateToLatest();
  });
  after(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await db.deleteFrom("greeters").execute();
    executed.length = 0;
  });

  const contexts: Array<Context | undefined> = [];
  const upsert = prepare(["hello"], ({ hello }) =>
    db
      .insertInto("greeters")
      .values({ hello, greet_count: 1, created_at: 0, updated_at: 0 })
      .onConflict((oc) => oc.column("hello").doUpdateSet({ greet_count: sql`greeters.greet_count + 1` }))
      .returning(["hello", "greet_count"]),
  );
  const broken = CompiledQuery.raw("insert into nowhere (x) values (1) returning x") as CompiledQuery<{ hello: string; greet_count: number }>;
  // The statement is made where it runs: contexts shows in which request's context each ran.
  const saves = () =>
    new GroupCommit(db, (args: { hello: string }) => {
      contexts.push(currentContext());
      return args.hello === "broken" ? broken : upsert(args);
    });

  it("runs the writes asked for in one turn in one transaction, each in its request's context, each with its own row", async () => {
    const group = saves();
    const ctxs = ["a", "b", "a", "c"].map(() => testContext());
    contexts.length = 0;
    const rows = await Promise.all(["a", "b", "a", "c"].map((hello, i) => group.run(ctxs[i] as Context, { hello })));
    assert.deepEqual(rows, [
      { hello: "a", greet_count: 1 },
      { hello: "b", greet_count: 1 },
      { hello: "a", greet_count: 2 },
      { hello: "c", greet_count: 1 },
    ]);
    assert.deepEqual(executed.map(verb), ["begin immediate", "insert", "insert", "insert", "insert", "commit"]);
    assert.deepEqual(contexts, ctxs);
  });

  it("runs a write alone as its own statement, with no transaction around it", async () => {
    const ctx = testContext();
    contexts.length = 0;
    assert.deepEqual(await saves().run(ctx, { hello: "solo" }), { hello: "solo", greet_count: 1 });
    assert.deepEqual(executed.map(verb), ["insert"]);
    assert.deepEqual(contexts, [ctx]);
  });

  it("fails only the request whose statement failed, and commits the others", async () => {
    const group = saves();
    const [ok, bad, ok2] = await Promise.allSettled(["x", "broken", "y"].map((hello) => group.run(testContext(), { hello })));
    assert.deepEqual(
      [ok, ok2],
      [
        { status: "fulfilled", value: { hello: "x", greet_count: 1 } },
        { status: "fulfilled", value: { hello: "y", greet_count: 1 } },
      ],
    );
    assert.equal(bad?.status, "rejected");
    assert.match(String((bad as PromiseRejectedResult).reason), /no such table: nowhere/);
    assert.deepEqual(
      (await db.selectFrom("greeters").select("hello").orderBy("hello").execute()).map((r) => r.hello),
      ["x", "y"],
    );
  });

  it("takes the next turn's writes into a new transaction", async () => {
    const group = saves();
    const first = Promise.all([group.run(testContext(), { hello: "t1" }), group.run(testContext(), { hello: "t1" })]);
    await new Promise((resolve) => setImmediate(resolve));
    const second = Promise.all([group.run(testContext(), { hello: "t1" }), group.run(testContext(), { hello: "t2" })]);
    assert.deepEqual(
      [...(await first), ...(await second)].map((r) => r.greet_count),
      [1, 2, 3, 1],
    );
    assert.deepEqual(executed.map(verb), ["begin immediate", "insert", "insert", "commit", "begin immediate", "insert", "insert", "commit"]);
  });
});

/** verb is a statement's first word, or the whole of a short one: begin immediate, insert, commit. */
function verb(statement: string): string {
  return statement.startsWith("begin") || statement.length < 20 ? statement : (statement.split(" ")[0] as string);
}
