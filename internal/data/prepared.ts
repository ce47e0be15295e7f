import type { Compilable, CompiledQuery } from "kysely";

/**
 * prepare builds and compiles a query once, with a placeholder for each value that changes, and gives the
 * function that fills them in for a call: Kysely otherwise builds, freezes and compiles the same tree on every
 * call, which was a tenth of a SayHello's CPU. Constant values stay parameters as Kysely compiled them.
 *
 * @example
 * const byHello = prepare(["hello"], (p) => db.selectFrom("greeters").selectAll().where("hello", "=", p.hello));
 * const { rows } = await db.executeQuery(byHello({ hello: "kratos" }));
 */
export function prepare<P extends string, R>(
  names: readonly P[],
  build: (placeholders: Record<P, never>) => Compilable<R>,
): (values: Record<P, unknown>) => CompiledQuery<R> {
  const symbols = new Map(names.map((name) => [Symbol(name), name]));
  const placeholders = Object.fromEntries([...symbols].map(([symbol, name]) => [name, symbol])) as Record<P, never>;
  const compiled = build(placeholders).compile();
  const slots = compiled.parameters.map((parameter) => (typeof parameter === "symbol" ? symbols.get(parameter) : undefined));
  for (const name of names) if (!slots.includes(name)) throw new Error(`prepare: ${name} is no parameter of ${compiled.sql}`);
  return (values) => ({ ...compiled, parameters: slots.map((name, i) => (name === undefined ? compiled.parameters[i] : values[name])) });
}

/** firstRow is the row a statement that always returns one (an upsert with RETURNING) returned. */
export function firstRow<R>(rows: R[]): R {
  const row = rows[0];
  if (row === undefined) throw new Error("the statement returned no row");
  return row;
}
