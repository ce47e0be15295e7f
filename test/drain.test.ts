import "reflect-metadata";
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { describe, it } from "node:test";
import { startApp } from "./support/app.js";

/** get sends one GET on agent and resolves with its status, or with the error code of a request that got no answer. */
function get(agent: Agent, port: number, path: string): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode }));
      res.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    });
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}

describe("a stop under keep-alive load", () => {
  it("answers every request written on an open connection: 100 keep-alive connections sending back to back lose none", async () => {
    const running = await startApp();
    const port = Number(new URL(running.httpURL).port);
    const agent = new Agent({ keepAlive: true, maxSockets: 100 });
    let answered = 0;
    const errors = new Map<string, number>();
    // The stop comes mid-run: once every connection has been answered once (so the server has accepted them
    // all; a connection still in the listen queue is reset when the listener closes), and 500 answers later.
    let unanswered = 100;
    let stopAt = 500;
    let stopped: Promise<void> | undefined;
    const loop = async (i: number) => {
      for (let n = 0; ; n++) {
        const r = await get(agent, port, `/helloworld/c${i}n${n}`);
        if (r.error) {
          errors.set(r.error, (errors.get(r.error) ?? 0) + 1);
          return;
        }
        assert.equal(r.status, 200);
        answered++;
        if (n === 0) unanswered--;
        if (unanswered === 0 && --stopAt === 0) stopped = running.stop();
      }
    };
    await Promise.all(Array.from({ length: 100 }, (_, i) => loop(i)));
    await stopped;
    agent.destroy();
    // Once the listener is closed, a new connection is refused: that request was never written, so never accepted.
    assert.deepEqual(
      [...errors.keys()].filter((code) => code !== "ECONNREFUSED"),
      [],
      `errors: ${JSON.stringify([...errors])}`,
    );
    assert.ok(stopped, "the stop came mid-run");
    assert.ok(answered >= 600, `answered ${answered}`);
    const accessLines = running.logs.lines.filter((l) => l.msg === "access" && l.component === "http").length;
    assert.equal(accessLines, answered, "one access line per answered request");
  });
});
