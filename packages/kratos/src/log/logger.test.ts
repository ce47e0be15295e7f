import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { LogCapture } from "../testing/logs.js";
import { flushLogger, flushLoggerSync, newLogger } from "./logger.js";

function textSink(chunks: string[]): Writable {
  return new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
}

describe("newLogger", () => {
  const base = { id: "host", name: "helloworld", version: "1.2.3" };

  it("writes JSON lines with the Kratos fields, in order, and no caller by default", () => {
    const logs = new LogCapture();
    newLogger({ ...base, destination: logs }).warn("hello");
    const line = logs.lines[0] as Record<string, unknown>;
    assert.deepEqual(Object.keys(line), ["level", "ts", "service.id", "service.name", "service.version", "trace.id", "span.id", "msg"]);
    assert.deepEqual(
      { ...line, ts: undefined },
      {
        level: "WARN",
        ts: undefined,
        "service.id": "host",
        "service.name": "helloworld",
        "service.version": "1.2.3",
        "trace.id": "",
        "span.id": "",
        msg: "hello",
      },
    );
  });

  it("adds caller=dir/file:line of the code that logged, when asked", () => {
    const logs = new LogCapture();
    newLogger({ ...base, destination: logs, caller: true }).info("where");
    assert.match(String(logs.lines[0]?.caller), /^log\/logger\.test\.(js|ts):\d+$/);
  });

  it("drops lines below the level", () => {
    const logs = new LogCapture();
    const logger = newLogger({ ...base, destination: logs, level: "warn" });
    logger.info("quiet");
    logger.error("loud");
    assert.deepEqual(logs.messages(), ["loud"]);
  });

  for (const [format, loaded] of [
    ["json", false],
    ["pretty", true],
  ] as const) {
    it(`loads pino-pretty ${loaded ? "for" : "only for the pretty format, not for"} ${format}`, () => {
      // A fresh process, since this one may have loaded it already.
      const script = `
        import { createRequire } from "node:module";
        import { Writable } from "node:stream";
        const { newLogger } = await import(${JSON.stringify(new URL("./logger.js", import.meta.url).href)});
        newLogger({ id: "t", name: "t", version: "t", format: ${JSON.stringify(format)}, destination: new Writable({ write: (_c, _e, cb) => cb() }) });
        const cache = createRequire(import.meta.url).cache;
        process.stdout.write(String(Object.keys(cache).some((k) => k.includes("/pino-pretty/"))));`;
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
      assert.equal(out, String(loaded));
    });
  }

  it("writes pretty text instead of JSON when asked", () => {
    const chunks: string[] = [];
    const logger = newLogger({ ...base, format: "pretty", destination: textSink(chunks) });
    logger.info("pretty please");
    const text = chunks.join("");
    assert.match(text, /INFO.*: pretty please/);
    assert.throws(() => JSON.parse(text));
  });

  it("escapes control characters in a pretty message, so a name cannot forge a line or a terminal escape", () => {
    const chunks: string[] = [];
    const logger = newLogger({ ...base, format: "pretty", destination: textSink(chunks) });
    logger.info("CreateGreeter: a\r\n[12:00:00.000] INFO: forged\u001b[31m\u0000\u0085\u2028 é 😀");
    const first = chunks.join("").split("\n")[0] as string;
    assert.match(first, / INFO: /);
    assert.equal(first.slice(first.indexOf(" INFO: ")), " INFO: CreateGreeter: a\\r\\n[12:00:00.000] INFO: forged\\u001b[31m\\u0000\\u0085\\u2028 é 😀");
  });

  it("picks pretty for a terminal and JSON elsewhere in auto", () => {
    const chunks: string[] = [];
    newLogger({ ...base, format: "auto", isTTY: true, destination: textSink(chunks) }).info("tty");
    assert.throws(() => JSON.parse(chunks.join("")));
    const logs = new LogCapture();
    newLogger({ ...base, format: "auto", isTTY: false, destination: logs }).info("pipe");
    assert.deepEqual(logs.messages(), ["pipe"]);
  });

  for (const exit of ["flushLogger", "flushLoggerSync"] as const) {
    it(`writes JSON to stdout asynchronously; ${exit} then process.exit loses no line of a burst`, () => {
      // A fresh process whose stdout is a pipe: 20,000 lines logged in one tick, then an immediate exit.
      const script = `
        const log = await import(${JSON.stringify(new URL("./logger.js", import.meta.url).href)});
        const logger = log.newLogger({ id: "t", name: "t", version: "t", format: "json" });
        for (let i = 0; i < 20000; i++) logger.info({ i }, "burst");
        ${exit === "flushLogger" ? "await log.flushLogger(logger);" : "log.flushLoggerSync(logger);"}
        process.exit(0);`;
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      const lines = out.split("\n");
      assert.equal(lines.pop(), "", "the output ends with a whole line");
      assert.equal(lines.length, 20000);
      assert.deepEqual(
        lines.map((l) => (JSON.parse(l) as { i: number }).i),
        Array.from({ length: 20000 }, (_, i) => i),
      );
    });
  }

  it("does not write JSON lines to stdout in the logging call: a process killed before its event loop turns has lost most of a burst", () => {
    const script = `
      const log = await import(${JSON.stringify(new URL("./logger.js", import.meta.url).href)});
      const logger = log.newLogger({ id: "t", name: "t", version: "t", format: "json" });
      for (let i = 0; i < 20000; i++) logger.info({ i }, "burst");
      process.kill(process.pid, "SIGKILL");`;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    assert.equal(child.signal, "SIGKILL");
    // At most the first line, whose write was handed to libuv at once; a synchronous destination would have written all 20,000.
    assert.ok(child.stdout.split("\n").length - 1 <= 1, `${child.stdout.split("\n").length - 1} lines`);
  });

  it("flushLogger and flushLoggerSync do nothing for a logger with its own destination", async () => {
    const logs = new LogCapture();
    const logger = newLogger({ ...base, destination: logs });
    logger.info("kept");
    // Written already: an explicit destination is synchronous.
    assert.deepEqual(logs.messages(), ["kept"]);
    await flushLogger(logger);
    flushLoggerSync(logger);
    assert.deepEqual(logs.messages(), ["kept"]);
  });
});
