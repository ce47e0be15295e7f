import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { type DestinationStream, pino } from "pino";
import { runInContext } from "../context/current.js";
import { TRACE_CONTEXT } from "../context/trace.js";
import { testContext } from "../testing/context.js";
import { lineWriter } from "./line.js";
import { newLogger } from "./logger.js";

/** RawCapture keeps every line exactly as written. */
class RawCapture implements DestinationStream {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
}

const base = { id: 'host "1"', name: "helloworld", version: "1.2.3" };
// Strings that need escaping, and some that pino and JSON.stringify leave alone.
const awkward = 'quote " backslash \\ tab \t newline \n nul \u0000 é 😀 \u2028';
const fields = {
  kind: "server",
  component: "grpc",
  operation: "/probe.Probe/Call",
  args: { userName: awkward, n: [1, 2] },
  code: 404,
  reason: "NOT_FOUND",
  latency: 0.000123,
};
const fieldsJSON = `,"kind":"server","component":"grpc","operation":"/probe.Probe/Call","args":${JSON.stringify(fields.args)},"code":404,"reason":"NOT_FOUND","latency":0.000123`;

/** withoutTime drops the timestamp, the one field two lines written apart may differ in. */
const withoutTime = (line: string) => line.replace(/,"ts":"[^"]*"/, "");

/** bothWays writes the same line through pino and through a LineWriter, in a request traced with known ids when traced. */
function bothWays(level: "info" | "error", traced: boolean): [string, string] {
  const capture = new RawCapture();
  const logger = newLogger({ ...base, destination: capture });
  const write = lineWriter(logger, "access");
  assert.ok(write, "a logger made by newLogger without the caller field has a line writer");
  const ctx = testContext();
  if (traced) {
    const span = trace.wrapSpanContext({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: TraceFlags.SAMPLED });
    ctx.values.set(TRACE_CONTEXT, trace.setSpan(ROOT_CONTEXT, span));
  }
  runInContext(ctx, () => {
    logger[level](fields, "access");
    write(level, fieldsJSON);
  });
  assert.equal(capture.lines.length, 2);
  return [withoutTime(capture.lines[0] as string), withoutTime(capture.lines[1] as string)];
}

describe("lineWriter", () => {
  it("writes, byte for byte, the line pino writes for the same fields, with the trace ids of the request", () => {
    const [byPino, byWriter] = bothWays("info", true);
    assert.equal(byWriter, byPino);
    assert.deepEqual(JSON.parse(byWriter), {
      level: "INFO",
      "service.id": 'host "1"',
      "service.name": "helloworld",
      "service.version": "1.2.3",
      "trace.id": "0af7651916cd43dd8448eb211c80319c",
      "span.id": "b7ad6b7169203331",
      ...fields,
      msg: "access",
    });
  });

  it("writes the same line as pino at ERROR, and with empty ids outside a traced request", () => {
    const [byPino, byWriter] = bothWays("error", false);
    assert.equal(byWriter, byPino);
    assert.equal(JSON.parse(byWriter).level, "ERROR");
    assert.equal(JSON.parse(byWriter)["trace.id"], "");
  });

  it("is not given for a logger whose lines it cannot vouch for: with the caller field, a child, pino's own, a destination wanting metadata", () => {
    const capture = new RawCapture();
    assert.equal(lineWriter(newLogger({ ...base, caller: true, destination: capture }), "access"), undefined);
    assert.equal(lineWriter(newLogger({ ...base, destination: capture }).child({ a: 1 }), "access"), undefined);
    assert.equal(lineWriter(pino(capture), "access"), undefined);
    assert.equal(lineWriter(newLogger({ ...base, destination: pino.multistream([{ stream: capture }]) }), "access"), undefined);
  });
});
