import { type Kysely, type Migration, sql } from "kysely";
import type { Driver } from "./dialect.js";

/**
 * migrations are the versioned schema changes, applied in name order at start-up and by make migrate.
 * Kysely's Migrator records them in kysely_migration and takes its lock table, so replicas may start together.
 * A migration, once released, never changes: a new change is a new entry.
 */
export function migrations(driver: Driver): Record<string, Migration> {
  return {
    "0001_greeters": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("greeters")
          .addColumn("id", idType(driver), (c) => {
            const key = c.primaryKey().notNull();
            return driver === "postgres" ? key.generatedAlwaysAsIdentity() : key.autoIncrement();
          })
          // 191 characters: the longest a unique utf8mb4 column can be on every MySQL and MariaDB row format.
          .addColumn("hello", driver === "sqlite" ? "text" : "varchar(191)", (c) => c.notNull().unique())
          .addColumn("greet_count", "bigint", (c) => c.notNull().defaultTo(0))
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable("greeters").execute();
      },
    },
  };
}

// SQLite makes an alias of rowid only of a column typed exactly "integer primary key".
function idType(driver: Driver) {
  return driver === "sqlite" ? "integer" : sql`bigint`;
}
