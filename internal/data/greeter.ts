import type { Context } from "@kratos-ts/kratos/context";
import { type Selectable, sql } from "kysely";
import { inject, injectable } from "tsyringe";
import { ErrGreeterAlreadyExists, ErrUserNotFound, type Greeter, type GreeterRepo, type Page, type PageRequest } from "../biz/greeter.js";
import { GroupCommit } from "./batch.js";
import { Data } from "./data.js";
import { firstRow, prepare } from "./prepared.js";
import type { GreetersTable } from "./schema.js";
import { guard } from "./unavailable.js";

/** GreeterStore keeps greeters in the database that Data opened. */
@injectable()
export class GreeterStore implements GreeterRepo {
  /** The upsert SayHello runs where the database has RETURNING (all but MySQL); on SQLite, a turn's upserts commit together. */
  private readonly upsert?: (ctx: Context, hello: string, now: number) => Promise<Selectable<GreetersTable>>;

  constructor(@inject(Data) private readonly data: Data) {
    const { driver } = data.conf.database;
    if (driver === "mysql") return;
    const upsert = prepare(["hello", "now"], ({ hello, now }) =>
      data.db
        .insertInto("greeters")
        .values({ hello, greet_count: 1, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column("hello").doUpdateSet({ greet_count: sql`greeters.greet_count + 1`, updated_at: now }))
        .returningAll(),
    );
    if (driver === "sqlite") {
      const saves = new GroupCommit(data.db, upsert);
      this.upsert = (ctx, hello, now) => saves.run(ctx, { hello, now });
    } else {
      this.upsert = async (_ctx, hello, now) => firstRow((await data.db.executeQuery(upsert({ hello, now }))).rows);
    }
  }

  async save(ctx: Context, hello: string): Promise<Greeter> {
    const now = Date.now();
    if (!this.upsert) {
      // MySQL has no RETURNING: the upsert and the read of its result share one transaction, tried again
      // when InnoDB picks it as a deadlock victim, as concurrent upserts of one new key can be.
      const row = { hello, greet_count: 1, created_at: now, updated_at: now };
      return guard(
        ctx,
        retryDeadlock(() =>
          this.data.db.transaction().execute(async (tx) => {
            await tx.insertInto("greeters").values(row).onDuplicateKeyUpdate({ greet_count: sql`greet_count + 1`, updated_at: now }).execute();
            return toGreeter(await tx.selectFrom("greeters").selectAll().where("hello", "=", hello).executeTakeFirstOrThrow());
          }),
        ),
      );
    }
    return toGreeter(await guard(ctx, this.upsert(ctx, hello, now)));
  }

  async create(ctx: Context, hello: string): Promise<Greeter> {
    const now = Date.now();
    const insert = this.data.db.insertInto("greeters").values({ hello, greet_count: 0, created_at: now, updated_at: now });
    try {
      // MySQL reports the new id as insertId; the others return it.
      const id =
        this.data.conf.database.driver === "mysql"
          ? Number((await guard(ctx, insert.executeTakeFirstOrThrow())).insertId)
          : Number((await guard(ctx, insert.returning("id").executeTakeFirstOrThrow())).id);
      return { id, hello, greetCount: 0, createdAt: new Date(now), updatedAt: new Date(now) };
    } catch (err) {
      throw uniqueViolation(err) ? ErrGreeterAlreadyExists.withCause(err) : err;
    }
  }

  async update(ctx: Context, id: number, hello: string): Promise<Greeter> {
    try {
      const { numUpdatedRows } = await guard(
        ctx,
        this.data.db.updateTable("greeters").set({ hello, updated_at: Date.now() }).where("id", "=", id).executeTakeFirst(),
      );
      if (numUpdatedRows === 0n) throw ErrUserNotFound;
    } catch (err) {
      throw uniqueViolation(err) ? ErrGreeterAlreadyExists.withCause(err) : err;
    }
    return this.findByID(ctx, id);
  }

  async findByID(ctx: Context, id: number): Promise<Greeter> {
    const row = await guard(ctx, this.data.db.selectFrom("greeters").selectAll().where("id", "=", id).executeTakeFirst());
    if (!row) throw ErrUserNotFound;
    return toGreeter(row);
  }

  async listByHello(ctx: Context, hello: string, page: PageRequest): Promise<Page> {
    return this.page(ctx, page, hello);
  }

  async listAll(ctx: Context, page: PageRequest): Promise<Page> {
    return this.page(ctx, page);
  }

  async delete(ctx: Context, id: number): Promise<void> {
    const { numDeletedRows } = await guard(ctx, this.data.db.deleteFrom("greeters").where("id", "=", id).executeTakeFirst());
    if (numDeletedRows === 0n) throw ErrUserNotFound;
  }

  // Pages run in id order from the last id seen, so a page is stable while greeters are added or removed.
  private async page(ctx: Context, page: PageRequest, hello?: string): Promise<Page> {
    let query = this.data.db.selectFrom("greeters").selectAll().where("id", ">", page.after);
    if (hello !== undefined) query = query.where("hello", "=", hello);
    const rows = await guard(
      ctx,
      query
        .orderBy("id")
        .limit(page.size + 1)
        .execute(),
    );
    return { greeters: rows.slice(0, page.size).map(toGreeter), more: rows.length > page.size };
  }
}

// pg returns bigint columns as strings; every driver's value is read as a number here.
function toGreeter(row: Selectable<GreetersTable>): Greeter {
  return {
    id: Number(row.id),
    hello: row.hello,
    greetCount: Number(row.greet_count),
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

/** uniqueViolation says whether a driver refused a write for a duplicate unique key. */
function uniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown; errcode?: unknown };
  // better-sqlite3, node:sqlite (SQLITE_CONSTRAINT_UNIQUE is 2067), pg (SQLSTATE 23505), mysql2.
  return e.code === "SQLITE_CONSTRAINT_UNIQUE" || e.errcode === 2067 || e.code === "23505" || e.code === "ER_DUP_ENTRY" || e.errno === 1062;
}

/** retryDeadlock runs a MySQL transaction again, a few times, when the server rolled it back as a deadlock victim. */
async function retryDeadlock<T>(run: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (err) {
      if (i >= attempts || (err as { errno?: unknown }).errno !== 1213) throw err;
    }
  }
}
