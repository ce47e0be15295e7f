import "reflect-metadata";
import assert from "node:assert/strict";
import { type ClientHttp2Session, connect as connectHTTP2, constants } from "node:http2";
import { connect as connectTCP } from "node:net";
import { after, before, describe, it } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { GRPC_CONNECTION_POLICY, TOO_MANY_PINGS } from "@kratos-ts/kratos/transport/grpc";
import { HelloReplySchema, HelloRequestSchema } from "../api/helloworld/v1/greeter_pb.js";
import { Bootstrap } from "../internal/conf/conf.js";
import { type RunningApp, startApp } from "./support/app.js";
import { call } from "./support/grpc.js";

/** session opens an HTTP/2 connection to address and resolves once the server's SETTINGS arrived. */
function session(address: string): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const s = connectHTTP2(`http://${address}`);
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

/** ping sends one PING and resolves once it is acknowledged, or with the reason it was not. */
function ping(s: ClientHttp2Session): Promise<string> {
  return new Promise((resolve) => {
    s.ping((err) => resolve(err ? err.message : "ack"));
  });
}

/** goaway resolves with the code and debug data of the GOAWAY the server sends s. */
function goaway(s: ClientHttp2Session): Promise<{ code: number; data: string }> {
  return new Promise((resolve) => {
    s.once("goaway", (code, _last, data?: Buffer) => resolve({ code, data: data?.toString() ?? "" }));
  });
}

/** wentAway tells, when asked, whether the server has sent s a GOAWAY since it was called. */
function wentAway(s: ClientHttp2Session): () => boolean {
  let away = false;
  s.once("goaway", () => {
    away = true;
  });
  return () => away;
}

/** sayHello makes a raw gRPC SayHello on s and resolves with the reply's message and grpc-status. */
function sayHello(s: ClientHttp2Session, name: string): Promise<{ message: string; status: string }> {
  return openSayHello(s, name).finish();
}

/**
 * openSayHello starts a raw gRPC SayHello on s and sends its message, but not the end of the stream: the server
 * answers once finish sends it, and finish resolves with the reply's message and grpc-status.
 */
function openSayHello(s: ClientHttp2Session, name: string): { finish(): Promise<{ message: string; status: string }> } {
  const body = toBinary(HelloRequestSchema, create(HelloRequestSchema, { name }));
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  frame.set(body, 5);
  const stream = s.request({ ":method": "POST", ":path": "/helloworld.v1.Greeter/SayHello", "content-type": "application/grpc", te: "trailers" });
  const reply = new Promise<{ message: string; status: string }>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let status = "";
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("trailers", (t) => {
      status = String(t["grpc-status"]);
    });
    stream.on("end", () => {
      const message = Buffer.concat(chunks);
      resolve({ message: message.length > 5 ? fromBinary(HelloReplySchema, message.subarray(5)).message : "", status });
    });
    stream.on("error", reject);
  });
  stream.write(frame);
  return {
    finish: () => {
      stream.end();
      return reply;
    },
  };
}

describe("gRPC connections: the handshake timeout, from server.grpc.connection_timeout", () => {
  let running: RunningApp;

  before(async () => {
    running = await startApp({ server: { grpc: { addr: "127.0.0.1:0", connection_timeout: "300ms" } } });
  });
  after(() => running.stop());

  it("is 20 s by default, in the framework and in config", () => {
    assert.equal(GRPC_CONNECTION_POLICY.connectionTimeout, 20_000);
    assert.equal(Bootstrap.parse({}).server.grpc.connection_timeout, 20_000);
  });

  it("closes a connection that sends nothing, or half a preface, within connection_timeout, and keeps one that finished its handshake", async () => {
    const [host, port] = running.grpcAddress.split(":") as [string, string];
    const good = await session(running.grpcAddress);
    const start = Date.now();
    const closedAfter = (greeting: string) =>
      new Promise<number>((resolve, reject) => {
        const socket = connectTCP({ host, port: Number(port) }, () => socket.write(greeting));
        socket.resume();
        socket.on("close", () => resolve(Date.now() - start));
        socket.on("error", reject);
      });
    const [silent, halfPreface] = await Promise.all([closedAfter(""), closedAfter("PRI * HTTP/2.0\r\n")]);
    for (const ms of [silent, halfPreface]) assert.ok(ms >= 290 && ms < 1500, `closed after ${ms} ms`);
    // The session that shook hands outlived the same timeout and still serves.
    assert.deepEqual(await sayHello(good, "handshake"), { message: "Hello handshake", status: "0" });
    good.close();
  });
});

describe("gRPC connections: keepalive enforcement, as grpc-go's EnforcementPolicy", () => {
  it("answers a fourth ping within 2 h on an idle connection with GOAWAY ENHANCE_YOUR_CALM too_many_pings, and closes it", async () => {
    const running = await startApp();
    try {
      const s = await session(running.grpcAddress);
      const away = goaway(s);
      const closed = new Promise<void>((resolve) => s.once("close", resolve));
      // grpc-go's three strikes: the first ping is free, two too soon are forgiven.
      assert.deepEqual([await ping(s), await ping(s), await ping(s)], ["ack", "ack", "ack"]);
      assert.equal(s.closed, false);
      s.ping(() => {});
      assert.deepEqual(await away, { code: constants.NGHTTP2_ENHANCE_YOUR_CALM, data: TOO_MANY_PINGS });
      await closed;
      // Other connections go on.
      assert.deepEqual(
        await call((cb) => running.client.sayHello(create(HelloRequestSchema, { name: "calm" }), cb)),
        create(HelloReplySchema, { message: "Hello calm" }),
      );
    } finally {
      await running.stop();
    }
  });

  it("forgives a ping after every call, as a grpc-go client's BDP pings follow its replies", async () => {
    const running = await startApp();
    try {
      const s = await session(running.grpcAddress);
      const away = wentAway(s);
      for (let i = 0; i < 10; i++) {
        assert.deepEqual(await sayHello(s, `bdp${i}`), { message: `Hello bdp${i}`, status: "0" });
        assert.equal(await ping(s), "ack");
        assert.equal(await ping(s), "ack");
      }
      assert.equal(away(), false);
      s.close();
    } finally {
      await running.stop();
    }
  });

  it("forgives the first ping after each reply, as grpc-go after each frame it sends, with no call or message between", async () => {
    const running = await startApp();
    try {
      const s = await session(running.grpcAddress);
      const away = wentAway(s);
      // Six calls open at once, their messages sent; then each is ended, answered, and followed by a ping: the
      // server sees no new call and no message between the pings, only its own replies.
      const calls = Array.from({ length: 6 }, (_, i) => openSayHello(s, `bdp${i}`));
      for (const [i, c] of calls.entries()) {
        assert.deepEqual(await c.finish(), { message: `Hello bdp${i}`, status: "0" });
        assert.equal(await ping(s), "ack");
      }
      assert.equal(away(), false);
      // Past the replies, the strikes count again: the fourth ping with no reply between is one too many.
      const closed = goaway(s);
      assert.deepEqual([await ping(s), await ping(s)], ["ack", "ack"]);
      s.ping(() => {});
      assert.deepEqual(await closed, { code: constants.NGHTTP2_ENHANCE_YOUR_CALM, data: TOO_MANY_PINGS });
    } finally {
      await running.stop();
    }
  });

  it("lets an idle client ping as often as keepalive_min_time when keepalive_permit_without_stream is set", async () => {
    const running = await startApp({ server: { grpc: { addr: "127.0.0.1:0", keepalive_min_time: "0s", keepalive_permit_without_stream: true } } });
    try {
      const s = await session(running.grpcAddress);
      const acks: string[] = [];
      for (let i = 0; i < 20; i++) acks.push(await ping(s));
      assert.deepEqual(acks, Array(20).fill("ack"));
      assert.deepEqual(await sayHello(s, "permitted"), { message: "Hello permitted", status: "0" });
      s.close();
    } finally {
      await running.stop();
    }
  });
});

describe("gRPC connections: an HTTP/2 rapid-reset burst (CVE-2023-44487)", () => {
  it("gets the abuser sent away and doesn't stop ordinary calls on other connections", async (t) => {
    const running = await startApp();
    try {
      const abuser = await session(running.grpcAddress);
      abuser.on("error", () => {});
      const abuserGone = new Promise<void>((resolve) => abuser.once("close", resolve));
      const abuserAway = goaway(abuser);
      const burst = 5000;
      let opened = 0;
      const hammer = async () => {
        for (let i = 0; i < burst && !abuser.closed && !abuser.destroyed; i++) {
          const stream = abuser.request({ ":method": "POST", ":path": "/helloworld.v1.Greeter/SayHello", "content-type": "application/grpc", te: "trailers" });
          stream.on("error", () => {});
          stream.close(constants.NGHTTP2_CANCEL);
          opened++;
          // Every 100 streams the socket gets to write, so the resets reach the server as a burst and not one frame.
          if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
        }
      };
      const latencies: number[] = [];
      const ordinary = async () => {
        for (let i = 0; i < 100; i++) {
          const start = performance.now();
          const reply = await call((cb) => running.client.sayHello(create(HelloRequestSchema, { name: `ordinary${i}` }), cb));
          latencies.push(performance.now() - start);
          assert.deepEqual(reply, create(HelloReplySchema, { message: `Hello ordinary${i}` }));
        }
      };
      await Promise.all([hammer(), ordinary()]);
      latencies.sort((a, b) => a - b);
      const p99 = latencies[98] as number;
      assert.equal(latencies.length, 100);
      assert.ok(p99 < 1000, `p99 of ordinary calls ${p99.toFixed(1)} ms`);
      // Node's HTTP/2 layer (nghttp2's reset rate limit) sends the abuser away long before its burst ends.
      const away = await abuserAway;
      await abuserGone;
      assert.ok(opened < burst, `${opened} of ${burst} streams reset before the server closed the connection`);
      assert.ok([constants.NGHTTP2_INTERNAL_ERROR, constants.NGHTTP2_ENHANCE_YOUR_CALM].includes(away.code), `GOAWAY code ${away.code}`);
      t.diagnostic(`rapid reset: connection closed after ${opened} resets; ordinary calls p99 ${p99.toFixed(1)} ms`);
      assert.deepEqual(
        await call((cb) => running.client.sayHello(create(HelloRequestSchema, { name: "after" }), cb)),
        create(HelloReplySchema, { message: "Hello after" }),
      );
    } finally {
      await running.stop();
    }
  });
});
