// The data layer's server databases, reached with the pure-JS drivers through Kysely's dialects. Each suite
// runs when its URL is set, as .ci/run does (eval "$(bash .ci/databases.sh)", or `make databases` by hand),
// and is skipped with the reason otherwise, so make test passes on a machine without the servers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Dialect, Kysely, MysqlDialect, PostgresDialect, sql } from "kysely";
import { createPool } from "mysql2";
import pg from "pg";

interface Server {
  name: string;
  env: string;
  dialect: (url: string) => Dialect;
}

const servers: Server[] = [
  { name: "PostgreSQL", env: "TEST_POSTGRES_URL", dialect: (url) => new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) },
  { name: "MySQL", env: "TEST_MYSQL_URL", dialect: (url) => new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: 2 }) }) },
];

for (const server of servers) {
  const url = process.env[server.env];
  const skip = url ? false : `${server.env} is not set: ${server.name} suite skipped (eval "$(make -s databases)" sets it)`;
  // The skip is on the test, not the suite, so the runner's summary counts it as skipped.
  describe(`${server.name} through Kysely (${server.env})`, () => {
    it("runs select 1", { skip }, async (t) => {
      const db = new Kysely<Record<string, never>>({ dialect: server.dialect(url ?? "") });
      try {
        const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
        assert.deepEqual(rows, [{ one: 1 }]);
        const { rows: version } = await sql<{ v: string }>`select version() as v`.execute(db);
        t.diagnostic(`${server.name}: ${version[0]?.v}`);
      } finally {
        await db.destroy();
      }
    });
  });
}
