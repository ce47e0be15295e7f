import "reflect-metadata";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { type RunningApp, startApp } from "./support/app.js";

/** opened connects to baseURL and resolves once the socket is open; what it receives is kept in received. */
function opened(baseURL: string): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const { hostname, port } = new URL(baseURL);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: hostname, port: Number(port) });
    const closed = new Promise<number>((done) => socket.on("close", () => done(Date.now())));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => {});
    socket.once("connect", () => resolve({ socket, received: () => Buffer.concat(chunks).toString(), closed }));
    socket.once("error", reject);
  });
}

describe("HTTP connection limits, from server.http", () => {
  let running: RunningApp;

  before(async () => {
    running = await startApp({
      server: { http: { addr: "127.0.0.1:0", read_header_timeout: "300ms", read_timeout: "2s", idle_timeout: "200ms", max_header_bytes: 4096 } },
    });
  });
  after(() => running.stop());

  it("answers a client that never finishes its headers with 408 and closes it after read_header_timeout", async () => {
    const c = await opened(running.httpURL);
    const start = Date.now();
    c.socket.write("GET /helloworld/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    const closedAt = await c.closed;
    assert.equal(c.received(), "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
    // Node checks every quarter of the timeout, so the close comes between 300 ms and about 375 ms, plus scheduling.
    assert.ok(closedAt - start >= 290 && closedAt - start < 1500, `closed after ${closedAt - start} ms`);
  });

  it("answers a request head over max_header_bytes with 431 and closes the connection", async () => {
    const c = await opened(running.httpURL);
    c.socket.write(`GET /helloworld/big HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"x".repeat(5000)}\r\n\r\n`);
    await c.closed;
    assert.equal(c.received(), "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n");
  });

  it("closes a keep-alive connection idle for idle_timeout, after answering its request", async () => {
    const c = await opened(running.httpURL);
    c.socket.write("GET /helloworld/idle HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const answeredAt = await new Promise<number>((resolve) => c.socket.once("data", () => resolve(Date.now())));
    const closedAt = await c.closed;
    const text = c.received();
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(text.endsWith('\r\n\r\n{"message":"Hello idle"}'), text);
    assert.ok(closedAt - answeredAt >= 190 && closedAt - answeredAt < 1500, `closed ${closedAt - answeredAt} ms after the answer`);
  });

  it("still serves ordinary requests", async () => {
    const res = await fetch(`${running.httpURL}/helloworld/kratos`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{"message":"Hello kratos"}');
  });
});
