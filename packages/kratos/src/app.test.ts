import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { App } from "./app.js";
import { newLogger } from "./log/logger.js";
import { LogCapture } from "./testing/logs.js";
import type { Server } from "./transport/server.js";

/** A server that records what happens to it; start fails if told to, stop hangs until forced if told to. */
class FakeServer implements Server {
  release?: () => void;
  /** Ends a hanging stop as if its last request was answered. */
  finishStop?: () => void;
  constructor(
    private readonly name: string,
    private readonly events: string[],
    private readonly opts: { failStart?: boolean; hangStop?: boolean } = {},
  ) {}
  async start() {
    this.events.push(`${this.name} start`);
    await new Promise<void>((resolve) => (this.release = resolve));
    if (this.opts.failStart) throw new Error(`${this.name} cannot listen`);
    this.events.push(`${this.name} listening`);
  }
  async stop(force: AbortSignal) {
    this.events.push(`${this.name} stop`);
    if (this.opts.hangStop) {
      await new Promise<void>((resolve) => {
        this.finishStop = resolve;
        force.addEventListener("abort", () => resolve(), { once: true });
      });
    } else await new Promise(setImmediate);
    this.events.push(`${this.name} stopped${force.aborted ? " (forced)" : ""}`);
  }
}

function newApp(servers: Server[], events: string[], extra: Partial<ConstructorParameters<typeof App>[0]> = {}) {
  const hook = (name: string) => () => void events.push(name);
  return new App({
    id: "t",
    name: "t",
    version: "t",
    logger: newLogger({ id: "t", name: "t", version: "t", destination: new LogCapture() }),
    servers,
    signals: [],
    beforeStart: [hook("beforeStart")],
    afterStart: [hook("afterStart")],
    beforeStop: [hook("beforeStop")],
    afterStop: [hook("afterStop")],
    ...extra,
  });
}

describe("App", () => {
  it("starts servers together, runs the hooks in order and stops on stop()", async () => {
    const events: string[] = [];
    const a = new FakeServer("a", events);
    const b = new FakeServer("b", events);
    const app = newApp([a, b], events);
    const done = app.run();
    await new Promise(setImmediate);
    assert.deepEqual(events, ["beforeStart", "a start", "b start"], "both start before either listens");
    a.release?.();
    b.release?.();
    await app.started;
    app.stop();
    await done;
    assert.deepEqual(events, [
      "beforeStart",
      "a start",
      "b start",
      "a listening",
      "b listening",
      "afterStart",
      "beforeStop",
      "a stop",
      "b stop",
      "a stopped",
      "b stopped",
      "afterStop",
    ]);
  });

  it("stops the servers that started when another fails, and rejects with its error", async () => {
    const events: string[] = [];
    const ok = new FakeServer("ok", events);
    const bad = new FakeServer("bad", events, { failStart: true });
    const app = newApp([ok, bad], events);
    const done = app.run();
    await new Promise(setImmediate);
    ok.release?.();
    bad.release?.();
    await assert.rejects(done, /bad cannot listen/);
    await assert.rejects(app.started, /bad cannot listen/);
    assert.deepEqual(events, ["beforeStart", "ok start", "bad start", "ok listening", "ok stop", "ok stopped"]);
  });

  it("forces the servers down after the stop timeout, runs afterStop, then fails run()", async () => {
    const events: string[] = [];
    const slow = new FakeServer("slow", events, { hangStop: true });
    const app = newApp([slow], events, { stopTimeout: 50 });
    const done = app.run();
    await new Promise(setImmediate);
    slow.release?.();
    await app.started;
    const t0 = Date.now();
    app.stop();
    await assert.rejects(done, { message: "stop timeout: the servers were forced down after 50 ms" });
    assert.ok(Date.now() - t0 < 1000);
    assert.deepEqual(events.slice(-3), ["slow stop", "slow stopped (forced)", "afterStop"]);
  });

  it("holds the servers' stop for a stop timeout longer than Node's timers take, instead of forcing it at once", async () => {
    const events: string[] = [];
    const slow = new FakeServer("slow", events, { hangStop: true });
    const app = newApp([slow], events, { stopTimeout: 700 * 3600 * 1000 });
    const done = app.run();
    await new Promise(setImmediate);
    slow.release?.();
    await app.started;
    app.stop();
    // An overflowing timer fires after 1 ms; 50 ms without the force is proof enough that none is due.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(events.slice(-1), ["slow stop"], "still waiting for its requests");
    slow.finishStop?.();
    await done;
    assert.deepEqual(events.slice(-2), ["slow stopped", "afterStop"]);
  });

  it("still stops the servers when a beforeStop hook fails, then reports its error", async () => {
    const events: string[] = [];
    const s = new FakeServer("s", events);
    const app = newApp([s], events, { beforeStop: [() => Promise.reject(new Error("hook failed"))] });
    const done = app.run();
    await new Promise(setImmediate);
    s.release?.();
    await app.started;
    app.stop();
    await assert.rejects(done, /hook failed/);
    assert.deepEqual(events.slice(-3), ["s stop", "s stopped", "afterStop"]);
  });
});
