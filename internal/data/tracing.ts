import { requestTraceContext } from "@kratos-ts/kratos/tracing";
import { type Attributes, SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from "kysely";

/** What every span of one database says of it: db.system.name, and server.address and server.port for a server. */
export type DatabaseAttributes = Attributes;

/**
 * tracedDialect makes every query run for a traced request a client span, the child of the request's server
 * span, named `<operation> <table>` with the parameterized SQL as db.query.text (the values never). Queries
 * outside a request (migrations, readiness pings) are not traced.
 */
export function tracedDialect(dialect: Dialect, tracer: Tracer, database: DatabaseAttributes): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => tracedDriver(dialect.createDriver(), tracer, database),
  };
}

class TracedConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly tracer: Tracer,
    private readonly database: DatabaseAttributes,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const parent = requestTraceContext();
    if (!parent) return this.inner.executeQuery(query);
    const span = this.tracer.startSpan("query", { kind: SpanKind.CLIENT }, parent);
    // A span that records nothing (nothing is exported) has only its ids: no name, attributes or end to give it.
    if (!span.isRecording()) return this.inner.executeQuery<R>(query);
    const operation = operationOf(query.sql);
    const table = tableOf(query.query as unknown as Node);
    span.updateName(table ? `${operation} ${table}` : operation);
    span.setAttributes({ ...this.database, "db.operation.name": operation, ...(table ? { "db.collection.name": table } : {}), "db.query.text": query.sql });
    let result: Promise<QueryResult<R>>;
    try {
      result = this.inner.executeQuery<R>(query);
    } catch (err) {
      result = Promise.reject(err);
    }
    // The span ends beside the caller's await, not in its way: a hop more here would hold SQLite's one
    // connection through another turn of every request's microtasks.
    result.then(
      () => span.end(),
      (err: unknown) => {
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
        span.setAttribute("error.type", (err as { code?: unknown }).code ? String((err as { code: unknown }).code) : err instanceof Error ? err.name : "error");
        if (err instanceof Error) span.recordException(err);
        span.end();
      },
    );
    return result;
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

// The driver hands out traced connections and takes them back unwrapped: drivers release and run transactions
// on their own connection objects (pg and mysql2 call private methods on them).
function tracedDriver(driver: Driver, tracer: Tracer, database: DatabaseAttributes): Driver {
  const inner = (c: DatabaseConnection) => (c instanceof TracedConnection ? c.inner : c);
  const traced: Driver = {
    init: () => driver.init(),
    acquireConnection: () => driver.acquireConnection().then((c) => new TracedConnection(c, tracer, database)),
    beginTransaction: (c: DatabaseConnection, settings: TransactionSettings) => driver.beginTransaction(inner(c), settings),
    commitTransaction: (c) => driver.commitTransaction(inner(c)),
    rollbackTransaction: (c) => driver.rollbackTransaction(inner(c)),
    releaseConnection: (c) => driver.releaseConnection(inner(c)),
    destroy: () => driver.destroy(),
  };
  if (driver.savepoint) traced.savepoint = (c, name, compile) => driver.savepoint?.(inner(c), name, compile) as Promise<void>;
  if (driver.rollbackToSavepoint) traced.rollbackToSavepoint = (c, name, compile) => driver.rollbackToSavepoint?.(inner(c), name, compile) as Promise<void>;
  if (driver.releaseSavepoint) traced.releaseSavepoint = (c, name, compile) => driver.releaseSavepoint?.(inner(c), name, compile) as Promise<void>;
  return traced;
}

/** operationOf is the SQL statement's first keyword: SELECT, INSERT, UPDATE, DELETE, BEGIN... */
function operationOf(sql: string): string {
  return /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? "QUERY";
}

interface Node {
  kind: string;
  [key: string]: unknown;
}

/** tableOf is the table a Kysely query node reads or writes first; undefined for raw SQL. */
function tableOf(node: Node): string | undefined {
  const target = (
    node.kind === "InsertQueryNode" ? node.into : node.kind === "UpdateQueryNode" ? node.table : (node.from as { froms?: Node[] } | undefined)?.froms?.[0]
  ) as Node | undefined;
  return target?.kind === "TableNode" ? (target.table as { identifier: { name: string } }).identifier.name : undefined;
}
