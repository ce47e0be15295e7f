import "reflect-metadata";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { killAll, listening, startHelloworld } from "./support/process.js";

const SLOW_SOCKETS = 500;

/** slowSocket opens a connection that sends its request head one header line at a time, every trickleMs, never ending it. */
function slowSocket(port: number, trickleMs: number): Promise<{ socket: Socket; closed: Promise<{ at: number; received: string }> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    let line = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => {});
    const closed = new Promise<{ at: number; received: string }>((done) =>
      socket.on("close", () => {
        clearInterval(timer);
        done({ at: performance.now(), received: Buffer.concat(chunks).toString() });
      }),
    );
    socket.once("connect", () => {
      socket.write("GET /helloworld/slow HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      timer = setInterval(() => socket.write(`X-Slow-${line++}: 1\r\n`), trickleMs);
      resolve({ socket, closed });
    });
    socket.once("error", reject);
  });
}

describe("slowloris: 500 sockets trickling their headers", () => {
  after(() => killAll());

  it("don't move the p99 of ordinary requests above 100 ms, and are answered 408 and closed by the default 10 s header timeout", {
    timeout: 60_000,
  }, async (t) => {
    const proc = startHelloworld();
    const port = (await listening(proc)).http;
    const opened = performance.now();
    const slow = await Promise.all(Array.from({ length: SLOW_SOCKETS }, () => slowSocket(port, 500)));

    const latencies: number[] = [];
    for (let i = 0; i < 300; i++) {
      const start = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/helloworld/ordinary${i}`);
      assert.equal(await res.text(), `{"message":"Hello ordinary${i}"}`);
      latencies.push(performance.now() - start);
    }
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.ceil(latencies.length * 0.99) - 1] as number;

    const closes = await Promise.all(slow.map((s) => s.closed));
    const lastClose = Math.max(...closes.map((c) => c.at)) - opened;
    t.diagnostic(`slowloris: ordinary p99 ${p99.toFixed(1)} ms with ${SLOW_SOCKETS} slow sockets; all closed ${(lastClose / 1000).toFixed(1)} s after opening`);
    assert.ok(p99 < 100, `ordinary p99 ${p99.toFixed(1)} ms`);
    assert.deepEqual(new Set(closes.map((c) => c.received)), new Set(["HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n"]));
    // Node checks the header timeout every second: closed between 10 s and about 11 s, and within the 15 s asked.
    assert.ok(lastClose >= 10_000 && lastClose < 15_000, `closed ${lastClose.toFixed(0)} ms after opening`);

    proc.signal("SIGTERM");
    assert.equal((await proc.exited).code, 0, proc.transcript());
  });
});
