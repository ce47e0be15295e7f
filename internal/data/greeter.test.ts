import "reflect-metadata";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { runInContext, TRACE_CONTEXT } from "@kratos-ts/kratos/context";
import { LOGGER, newLogger } from "@kratos-ts/kratos/log";
import { LogCapture, SpanCapture, testContext } from "@kratos-ts/kratos/testing";
import { TRACER_PROVIDER } from "@kratos-ts/kratos/tracing";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from "@opentelemetry/api";
import { container } from "tsyringe";
import { ErrGreeterAlreadyExists, ErrUserNotFound, GREETER_REPO, type GreeterRepo } from "../biz/greeter.js";
import { Bootstrap, DATA_CONF } from "../conf/conf.js";
import { Data } from "./data.js";
import { attributesOf, type Driver } from "./dialect.js";
import { dataProviders } from "./providers.js";
import { sqliteEngine } from "./sqlite.js";

// A deadline far beyond any test: the repo answers at the request deadline, which is not under test here.
const ctx = testContext({ timeoutMs: 600_000 });
const dir = mkdtempSync(join(tmpdir(), "greeter-repo-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The databases the contract runs on: SQLite always, the servers when their URL is given (.ci/run gives both). */
const targets: Array<{ driver: Driver; source: string | undefined; env?: string }> = [
  { driver: "sqlite", source: join(dir, "contract.db") },
  { driver: "postgres", source: process.env.TEST_POSTGRES_URL, env: "TEST_POSTGRES_URL" },
  { driver: "mysql", source: process.env.TEST_MYSQL_URL, env: "TEST_MYSQL_URL" },
];

/** wire builds the data layer as wireApp does, on one database, with its logs captured. */
function wire(driver: Driver, source: string) {
  const c = container.createChildContainer();
  const logs = new LogCapture();
  c.register(DATA_CONF, { useValue: Bootstrap.parse({ data: { database: { driver, source } } }).data });
  c.register(LOGGER, { useValue: newLogger({ id: "t", name: "t", version: "t", destination: logs }) });
  const spans = new SpanCapture();
  c.register(TRACER_PROVIDER, { useValue: spans.provider });
  dataProviders(c);
  return { repo: c.resolve<GreeterRepo>(GREETER_REPO), data: c.resolve(Data), logs, spans, c };
}

/** The error code of a unique violation, the error.type of its span, by driver. */
const uniqueViolation: Record<Driver, string> = {
  sqlite: sqliteEngine === "node:sqlite" ? "ERR_SQLITE_ERROR" : "SQLITE_CONSTRAINT_UNIQUE",
  postgres: "23505",
  mysql: "ER_DUP_ENTRY",
};

const rejectsWith = (p: Promise<unknown>, want: unknown) => assert.rejects(p, (err) => (err as { is(e: unknown): boolean }).is?.(want) === true);

for (const { driver, source = "", env } of targets) {
  const skip = source ? false : `${env} is not set: the ${driver} suite of the GreeterRepo contract is skipped`;
  if (skip) console.log(`notice: ${skip}`);
  describe(`GreeterRepo on ${driver}`, { skip }, () => {
    let w: ReturnType<typeof wire>;
    before(async () => {
      w = wire(driver, source);
      await w.data.migrate();
    });
    after(() => w.data.close());
    beforeEach(async () => {
      await w.data.db.deleteFrom("greeters").execute();
      w.spans.reset();
    });

    it("binds biz's GreeterRepo token to one shared store", () => {
      assert.equal(w.c.resolve(GREETER_REPO), w.c.resolve(GREETER_REPO));
    });

    it("save creates a greeter with greet_count 1, then counts each greeting on the same row", async () => {
      const before = Date.now();
      const first = await w.repo.save(ctx, "kratos");
      const second = await w.repo.save(ctx, "kratos");
      assert.equal(second.id, first.id);
      assert.deepEqual([first.hello, first.greetCount, second.greetCount], ["kratos", 1, 2]);
      assert.ok(first.createdAt.getTime() >= before && second.updatedAt.getTime() >= first.updatedAt.getTime());
      assert.deepEqual(second.createdAt, first.createdAt);
      assert.deepEqual(await w.repo.findByID(ctx, first.id), second);
    });

    it("loses no increment when 1,000 greetings of one name run at once", async () => {
      const saved = await Promise.all(Array.from({ length: 1000 }, () => w.repo.save(ctx, "crowd")));
      const { id } = saved[0] ?? assert.fail("no greeter");
      assert.equal((await w.repo.findByID(ctx, id)).greetCount, 1000);
      assert.deepEqual(
        saved.map((g) => g.greetCount).sort((a, b) => a - b),
        Array.from({ length: 1000 }, (_, i) => i + 1),
      );
    });

    it("create adds a greeter with greet_count 0 and refuses a hello that exists", async () => {
      const g = await w.repo.create(ctx, "new");
      assert.deepEqual([g.hello, g.greetCount], ["new", 0]);
      assert.deepEqual(await w.repo.findByID(ctx, g.id), g);
      await rejectsWith(w.repo.create(ctx, "new"), ErrGreeterAlreadyExists);
    });

    it("update changes the hello, refuses a taken one, and answers a missing id with ErrUserNotFound", async () => {
      const a = await w.repo.create(ctx, "a");
      await w.repo.create(ctx, "b");
      const changed = await w.repo.update(ctx, a.id, "c");
      assert.deepEqual([changed.id, changed.hello], [a.id, "c"]);
      await rejectsWith(w.repo.update(ctx, a.id, "b"), ErrGreeterAlreadyExists);
      await rejectsWith(w.repo.update(ctx, a.id + 1000, "d"), ErrUserNotFound);
    });

    it("findByID and delete answer a missing id with ErrUserNotFound", async () => {
      await rejectsWith(w.repo.findByID(ctx, 999_999), ErrUserNotFound);
      const g = await w.repo.create(ctx, "gone");
      await w.repo.delete(ctx, g.id);
      await rejectsWith(w.repo.findByID(ctx, g.id), ErrUserNotFound);
      await rejectsWith(w.repo.delete(ctx, g.id), ErrUserNotFound);
    });

    it("lists in id order, a page at a time, from the last id seen", async () => {
      const ids: number[] = [];
      for (const h of ["p1", "p2", "p3", "p4", "p5"]) ids.push((await w.repo.create(ctx, h)).id);
      const p1 = await w.repo.listAll(ctx, { size: 2, after: 0 });
      const p2 = await w.repo.listAll(ctx, { size: 2, after: p1.greeters.at(-1)?.id ?? 0 });
      const p3 = await w.repo.listAll(ctx, { size: 2, after: p2.greeters.at(-1)?.id ?? 0 });
      assert.deepEqual(
        [p1, p2, p3].map((p) => [p.greeters.map((g) => g.hello), p.more]),
        [
          [["p1", "p2"], true],
          [["p3", "p4"], true],
          [["p5"], false],
        ],
      );
      assert.deepEqual(
        p1.greeters.map((g) => g.id),
        ids.slice(0, 2),
      );
      const byHello = await w.repo.listByHello(ctx, "p3", { size: 10, after: 0 });
      assert.deepEqual([byHello.greeters.map((g) => g.id), byHello.more], [[ids[2]], false]);
    });

    it("makes each query of a traced request a client span under the request's span, and none outside a request", async () => {
      const { id } = await w.repo.create(ctx, "traced");
      await w.repo.create(ctx, "taken");
      assert.deepEqual(w.spans.ended(), [], "no request span, no query span");
      const traced = testContext({ timeoutMs: 600_000 });
      const parent = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: TraceFlags.SAMPLED };
      traced.values.set(TRACE_CONTEXT, trace.setSpanContext(ROOT_CONTEXT, parent));
      await runInContext(traced, () => w.repo.findByID(traced, id));
      await rejectsWith(
        runInContext(traced, () => w.repo.create(traced, "taken")),
        ErrGreeterAlreadyExists,
      );
      const spans = w.spans.ended();
      assert.deepEqual(
        spans.map((s) => ({
          name: s.name,
          kind: s.kind,
          traceId: s.spanContext().traceId,
          parent: s.parentSpanContext?.spanId,
          attributes: { ...s.attributes, "db.query.text": undefined },
          status: s.status.code,
        })),
        [
          { operation: "SELECT", status: SpanStatusCode.UNSET },
          { operation: "INSERT", status: SpanStatusCode.ERROR, error: { "error.type": uniqueViolation[driver] } },
        ].map(({ operation, status, error }) => ({
          name: `${operation} greeters`,
          kind: SpanKind.CLIENT,
          traceId: parent.traceId,
          parent: parent.spanId,
          attributes: {
            ...attributesOf(driver, source),
            "db.operation.name": operation,
            "db.collection.name": "greeters",
            "db.query.text": undefined,
            ...error,
          },
          status,
        })),
      );
      // The parameterized SQL, never the values.
      assert.match(String(spans[0]?.attributes["db.query.text"]), /^select .* from [`"]greeters[`"] where [`"]id[`"] = (\?|\$1)$/);
      assert.match(String(spans[1]?.attributes["db.query.text"]), /^insert into [`"]greeters[`"] .*values \((\?|\$1), /);
      assert.equal(spans[1]?.events[0]?.name, "exception");
    });

    it("migrates idempotently: a second run applies nothing", async () => {
      const logs = w.logs.lines.length;
      await w.data.migrate();
      assert.deepEqual(w.logs.messages().slice(logs), []);
    });
  });
}

describe("the SQLite file", () => {
  let data: Data | undefined;
  afterEach(() => data?.close());

  it("keeps what was written after it is closed and opened again", async () => {
    const source = join(dir, "persist.db");
    const first = wire("sqlite", source);
    await first.data.migrate();
    const g = await first.repo.save(ctx, "kept");
    await first.repo.save(ctx, "kept");
    await first.data.close();
    const second = wire("sqlite", source);
    data = second.data;
    await second.data.migrate();
    assert.deepEqual((await second.repo.findByID(ctx, g.id)).greetCount, 2);
    assert.deepEqual(second.logs.messages(), []);
  });

  it("logs closing the data resources on close", async () => {
    const w = wire("sqlite", ":memory:");
    await w.data.close();
    assert.deepEqual(w.logs.messages(), ["closing the data resources"]);
  });
});
