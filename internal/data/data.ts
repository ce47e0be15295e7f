import { messageOf } from "@kratos-ts/kratos/errors";
import { LOGGER, type Logger } from "@kratos-ts/kratos/log";
import { recordsSpans, TRACER_PROVIDER } from "@kratos-ts/kratos/tracing";
import type { TracerProvider } from "@opentelemetry/api";
import { Kysely, Migrator, sql } from "kysely";
import { inject, injectable } from "tsyringe";
import { DATA_CONF, type DataConf } from "../conf/conf.js";
import { attributesOf, dialectOf, type PoolCounts, sourceOf, where } from "./dialect.js";
import { migrations } from "./migrations.js";
import type { Database } from "./schema.js";
import { tracedDialect } from "./tracing.js";

/** Data holds the data resources: the database, opened from config, its schema migrated before the servers start. */
@injectable()
export class Data {
  readonly db: Kysely<Database>;
  /** Counts the pool's connections by state, where the driver tells (PostgreSQL); undefined otherwise. */
  readonly poolCounts?: () => PoolCounts;

  constructor(
    @inject(DATA_CONF) readonly conf: DataConf,
    @inject(LOGGER) private readonly log: Logger,
    @inject(TRACER_PROVIDER) tracerProvider: TracerProvider,
  ) {
    const { driver, source } = conf.database;
    const { dialect, pool } = dialectOf(driver, sourceOf(conf.database), log);
    // A query span that is not recorded has no reader: its ids appear in no line and are sent nowhere.
    const traced = recordsSpans(tracerProvider) ? tracedDialect(dialect, tracerProvider.getTracer("helloworld/data"), attributesOf(driver, source)) : dialect;
    this.db = new Kysely<Database>({ dialect: traced });
    this.poolCounts = pool;
  }

  /** migrate brings the schema to the latest version; it is safe to run from several replicas at once. */
  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: { getMigrations: async () => migrations(this.conf.database.driver) } });
    const { error, results } = await migrator.migrateToLatest();
    for (const r of results ?? []) {
      if (r.status === "Success") this.log.info(`applied migration ${r.migrationName}`);
      else if (r.status === "Error") this.log.error(`migration ${r.migrationName} failed`);
    }
    if (error) {
      const { driver, source } = this.conf.database;
      throw new Error(`migrate ${driver} database ${where(driver, source)}: ${messageOf(error)}`, { cause: error });
    }
  }

  /**
   * ping asks the database for `select 1` and resolves when it answers; it rejects with the cause, or after
   * timeout milliseconds (1s by default) while the database does not answer. The readiness check calls it.
   */
  async ping(timeout = 1000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer to select 1 within ${timeout}ms`)), timeout);
    });
    try {
      await Promise.race([sql`select 1`.execute(this.db), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** close releases the data resources; wireApp's cleanup calls it. */
  async close(): Promise<void> {
    this.log.info("closing the data resources");
    await this.db.destroy();
  }
}
