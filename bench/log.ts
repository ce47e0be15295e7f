import { newLogger } from "@kratos-ts/kratos/log";
import { sink } from "./loggers.js";
import { median } from "./stats.js";

const lines = 100_000;

function linesPerSecond(caller: boolean): number {
  const logger = newLogger({ id: "bench", name: "helloworld", version: "bench", caller, destination: sink() });
  const start = process.hrtime.bigint();
  for (let i = 0; i < lines; i++) logger.info(`CreateGreeter: ${i}`);
  return lines / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** benchLog compares logging with and without the caller field, in alternating rounds of one run. */
export function benchLog(rounds: number): { plain: number; caller: number; ratio: number } {
  linesPerSecond(false);
  linesPerSecond(true);
  const plain: number[] = [];
  const withCaller: number[] = [];
  for (let r = 0; r < rounds; r++) {
    plain.push(linesPerSecond(false));
    withCaller.push(linesPerSecond(true));
  }
  const p = median(plain);
  const c = median(withCaller);
  return { plain: p, caller: c, ratio: c / p };
}
