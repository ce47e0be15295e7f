import "reflect-metadata";
import assert from "node:assert/strict";
import { type ClientHttp2Session, connect as connectHTTP2, constants as h2 } from "node:http2";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { create, type DescField, type DescMessage, type DescMethod, fromBinary, type Message, ScalarType, toBinary } from "@bufbuild/protobuf";
import { Client, credentials, type ServiceError, status } from "@grpc/grpc-js";
import fc from "fast-check";
import { Greeter, HelloRequestSchema } from "../api/helloworld/v1/greeter_pb.js";
import { type RunningApp, startApp } from "./support/app.js";
import { Failures, inPool, tally } from "./support/fuzz.js";
import { call } from "./support/grpc.js";

// Seeded fuzzing of the gRPC port: any failure names the seed and the case's index, which regenerate the same call.
const SEED = 0x15eed;
const CALLS = 10_000;
const IN_FLIGHT = 50;
// server.grpc.max_recv_msg_size's default.
const MAX_RECV = 4 * 1024 * 1024;
// A call not answered in this long counts as a hang.
const ANSWER_WITHIN_MS = 30_000;

/** The codes any call may get: ALREADY_EXISTS too, GREETER_ALREADY_EXISTS, which the README documents for create and update. */
const allowedCodes = new Set([
  status.OK,
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.ALREADY_EXISTS,
  status.UNIMPLEMENTED,
  status.INTERNAL,
  status.RESOURCE_EXHAUSTED,
]);
// INTERNAL is allowed only for bytes that are no message of the method's type, in grpc-js's words.
const undecodable = /^(Error deserializing request|Failed to decompress message)/;

const methods = Greeter.methods;
const pathOf = (m: DescMethod) => `/${Greeter.typeName}/${m.name}`;

/** One call: what is sent where, and what its answer must be when the case pins it. */
interface Case {
  kind: string;
  path: string;
  /** The method the path names, if any. */
  method?: DescMethod;
  /** The request message's bytes, or for a raw frame the whole DATA of the stream. */
  payload: () => Buffer;
  /** Sent over a raw HTTP/2 stream with these extra headers, not through grpc-js. */
  raw?: Record<string, string>;
  /** The one code it must get, when the case pins it. */
  expect?: number;
}

interface Answer {
  code: number;
  details: string;
  reply?: Buffer;
}

// ---- generators ----

const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 140 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 140 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 120, maxLength: 140 }) },
  // A few names over and over, so create and update meet names that exist.
  { weight: 2, arbitrary: fc.constantFrom("kratos", "a", "b", "fuzz", "") },
);
const int64 = fc.oneof(
  { weight: 4, arbitrary: fc.bigInt({ min: 1n, max: 40n }) },
  { weight: 1, arbitrary: fc.constantFrom(0n, -1n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) },
);
const int32 = fc.oneof(fc.integer({ min: -5, max: 1005 }), fc.integer());
const pageToken = fc.oneof(
  fc.nat({ max: 60 }).map((after) => Buffer.from(JSON.stringify({ v: 1, after })).toString("base64url")),
  fc.string({ maxLength: 30 }),
  fc.constant(""),
);

/** fieldValue draws a value for any field of a request message from its descriptor, so a new field is fuzzed too. */
function fieldValue(field: DescField): fc.Arbitrary<unknown> {
  if (field.fieldKind !== "scalar") return fc.constant(undefined);
  if (field.name === "page_token") return pageToken;
  switch (field.scalar) {
    case ScalarType.STRING:
      return text;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return int64;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return int32;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.integer({ min: 0, max: 0xffffffff });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 64 });
    default:
      return fc.double();
  }
}

/** A valid message of schema, with random field values, as bytes. */
function validMessage(schema: DescMessage): fc.Arbitrary<Buffer> {
  const shape = Object.fromEntries(schema.fields.map((f) => [f.localName, fieldValue(f)]));
  return fc.record(shape, { requiredKeys: [] }).map((init) => Buffer.from(toBinary(schema, create(schema, init as never))));
}

function varint(n: bigint): Buffer {
  const out: number[] = [];
  let v = n;
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return Buffer.from(out);
}

const unknownFieldNumber = fc.integer({ min: 16, max: 2 ** 29 - 1 }).map(BigInt);
/** A well-formed field the schema does not know: it must be skipped. */
const unknownField = fc.oneof(
  fc.tuple(unknownFieldNumber, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map(([n, v]) => Buffer.concat([varint(n << 3n), varint(v)])),
  fc.tuple(unknownFieldNumber, fc.uint8Array({ minLength: 8, maxLength: 8 })).map(([n, b]) => Buffer.concat([varint((n << 3n) | 1n), b])),
  fc.tuple(unknownFieldNumber, fc.uint8Array({ maxLength: 40 })).map(([n, b]) => Buffer.concat([varint((n << 3n) | 2n), varint(BigInt(b.length)), b])),
  fc.tuple(unknownFieldNumber, fc.uint8Array({ minLength: 4, maxLength: 4 })).map(([n, b]) => Buffer.concat([varint((n << 3n) | 5n), b])),
);
/** A tail no decoder can read: a bad wire type, a cut varint, a length past the end, field number 0, deep groups. */
const malformedTail = fc.oneof(
  fc.tuple(unknownFieldNumber, fc.constantFrom(3n, 4n, 6n, 7n)).map(([n, wt]) => varint((n << 3n) | wt)),
  fc.integer({ min: 1, max: 10 }).map((n) => Buffer.alloc(n, 0x80)),
  fc
    .tuple(unknownFieldNumber, fc.integer({ min: 1, max: 1000 }))
    .map(([n, len]) => Buffer.concat([varint((n << 3n) | 2n), varint(BigInt(len)), Buffer.alloc(len >> 1)])),
  fc.constantFrom(Buffer.from([0x00, 0x01]), Buffer.from([0x02, 0x00])),
  fc.integer({ min: 1000, max: 100_000 }).map((n) => Buffer.concat([Buffer.alloc(n, 0x7b), Buffer.alloc(n, 0x7c)])),
);

const method = fc.constantFrom(...methods);

const randomBytes: fc.Arbitrary<Case> = fc.tuple(method, fc.uint8Array({ maxLength: 256 })).map(([m, b]) => ({
  kind: "random-bytes",
  path: pathOf(m),
  method: m,
  payload: () => Buffer.from(b),
}));
const valid: fc.Arbitrary<Case> = method.chain((m) => validMessage(m.input).map((b) => ({ kind: "valid", path: pathOf(m), method: m, payload: () => b })));
const withUnknownFields: fc.Arbitrary<Case> = method.chain((m) =>
  fc.tuple(validMessage(m.input), fc.array(unknownField, { minLength: 1, maxLength: 5 })).map(([b, extra]) => ({
    kind: "unknown-fields",
    path: pathOf(m),
    method: m,
    payload: () => Buffer.concat([b, ...extra]),
  })),
);
const withMalformedTail: fc.Arbitrary<Case> = method.chain((m) =>
  fc.tuple(validMessage(m.input), malformedTail).map(([b, tail]) => ({
    kind: "malformed-tail",
    path: pathOf(m),
    method: m,
    payload: () => Buffer.concat([b, tail]),
  })),
);
const crossType: fc.Arbitrary<Case> = fc
  .tuple(method, method)
  .chain(([to, from]) => validMessage(from.input).map((b) => ({ kind: "other-message", path: pathOf(to), method: to, payload: () => b })));
const unknownMethod: fc.Arbitrary<Case> = fc
  .tuple(
    fc.constantFrom(
      "/helloworld.v1.Greeter/Nope",
      "/nope.Svc/X",
      "/helloworld.v1.Greeter/sayHello",
      "/helloworld.v1.greeter/SayHello",
      "/helloworld.v1.Greeter",
      "/helloworld.v1.Greeter/SayHello/extra",
      "/",
    ),
    fc.uint8Array({ maxLength: 32 }),
  )
  .map(([path, b]) => ({ kind: "unknown-method", path, payload: () => Buffer.from(b), expect: status.UNIMPLEMENTED }));
// Methods whose field 1 is a string, which a message of one long field 1 decodes as.
const stringField1Methods = methods.filter((m) => m.input.fields.find((f) => f.number === 1)?.scalar === ScalarType.STRING);
/** Messages just over max_recv_msg_size are refused before decoding; one exactly at it is read. */
const sized: fc.Arbitrary<Case> = fc.oneof(
  fc.tuple(method, fc.integer({ min: 1, max: 64 * 1024 })).map(([m, over]) => ({
    kind: "over-max-size",
    path: pathOf(m),
    method: m,
    payload: () => stringField1(MAX_RECV + over),
    expect: status.RESOURCE_EXHAUSTED,
  })),
  fc.constantFrom(...stringField1Methods).map((m) => ({ kind: "at-max-size", path: pathOf(m), method: m, payload: () => stringField1(MAX_RECV) })),
);

/** stringField1 is a message of exactly size bytes: field 1, length-delimited, of "x"s. */
function stringField1(size: number): Buffer {
  let n = size - 2;
  while (1 + varint(BigInt(n)).length + n > size) n--;
  return Buffer.concat([Buffer.from([0x0a]), varint(BigInt(n)), Buffer.alloc(n, 0x78)]);
}

/** frame is a gRPC length-prefixed message with the given flag byte and declared length. */
function frame(flag: number, length: number, data: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flag;
  head.writeUInt32BE(length, 1);
  return Buffer.concat([head, data]);
}

/** Frames grpc-js never writes, on a raw HTTP/2 stream that then ends. */
const rawFrame: fc.Arbitrary<Case> = fc
  .tuple(method, validMessage(HelloRequestSchema), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 2, max: 255 }))
  .chain(([m, b, more, flag]) =>
    fc.constantFrom<Case>(
      { kind: "raw-length-past-data", path: pathOf(m), method: m, payload: () => frame(0, b.length + more, b), raw: {} },
      { kind: "raw-compressed-no-encoding", path: pathOf(m), method: m, payload: () => frame(1, b.length, b), raw: {} },
      {
        kind: "raw-compressed-garbage",
        path: pathOf(m),
        method: m,
        payload: () => frame(1, b.length + 1, Buffer.concat([Buffer.from([0xff]), b])),
        raw: { "grpc-encoding": "gzip" },
        expect: status.INTERNAL,
      },
      { kind: "raw-gzip", path: pathOf(m), method: m, payload: () => frame(1, gzipSync(b).length, gzipSync(b)), raw: { "grpc-encoding": "gzip" } },
      { kind: "raw-unknown-encoding", path: pathOf(m), method: m, payload: () => frame(1, b.length, b), raw: { "grpc-encoding": "zstd" } },
      { kind: "raw-bad-flag", path: pathOf(m), method: m, payload: () => frame(flag, b.length, b), raw: {} },
      { kind: "raw-partial-prefix", path: pathOf(m), method: m, payload: () => Buffer.alloc(more % 5, 0), raw: {} },
      { kind: "raw-two-messages", path: pathOf(m), method: m, payload: () => Buffer.concat([frame(0, b.length, b), frame(0, b.length, b)]), raw: {} },
      { kind: "raw-huge-length", path: pathOf(m), method: m, payload: () => frame(0, 0xffffffff, b), raw: {}, expect: status.RESOURCE_EXHAUSTED },
    ),
  );

const grpcCase: fc.Arbitrary<Case> = fc.oneof(
  { weight: 300, arbitrary: randomBytes },
  { weight: 400, arbitrary: valid },
  { weight: 100, arbitrary: withUnknownFields },
  { weight: 50, arbitrary: withMalformedTail },
  { weight: 50, arbitrary: crossType },
  { weight: 40, arbitrary: unknownMethod },
  { weight: 50, arbitrary: rawFrame },
  { weight: 3, arbitrary: sized },
);

// ---- checks ----

/** codePoints counts the characters of a well-formed string, as the rules do, without spreading a 4 MiB one. */
function codePoints(s: string): number {
  let pairs = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) pairs++;
  }
  return s.length - pairs;
}

/** The codes the proto's rules and the README allow a decodable request; SayHello's greeting is checked too. */
function ruleProblem(m: DescMethod, request: Message, answer: Answer): string | undefined {
  const r = request as unknown as Record<string, unknown>;
  const chars = (s: unknown) => codePoints(s as string);
  const validText = (s: unknown) => chars(s) >= 1 && chars(s) <= 128;
  const validID = (id: unknown) => (id as bigint) > 0n;
  let want: number[];
  switch (m.name) {
    case "SayHello":
      want = validText(r.name) ? [status.OK] : [status.INVALID_ARGUMENT];
      break;
    case "GetGreeter":
    case "DeleteGreeter":
      want = validID(r.id) ? [status.OK, status.NOT_FOUND] : [status.INVALID_ARGUMENT];
      break;
    case "CreateGreeter":
      want = validText(r.hello) ? [status.OK, status.ALREADY_EXISTS] : [status.INVALID_ARGUMENT];
      break;
    case "UpdateGreeter":
      want = validID(r.id) && validText(r.hello) ? [status.OK, status.NOT_FOUND, status.ALREADY_EXISTS] : [status.INVALID_ARGUMENT];
      break;
    case "ListGreeters": {
      const size = r.pageSize as number;
      // A page_token the service did not give is INVALID_PAGE_TOKEN, also INVALID_ARGUMENT.
      want = size >= 0 && size <= 1000 ? [status.OK, status.INVALID_ARGUMENT] : [status.INVALID_ARGUMENT];
      break;
    }
    default:
      return undefined;
  }
  if (!want.includes(answer.code)) return `code ${status[answer.code]} where the rules give ${want.map((c) => status[c]).join(" or ")}`;
  if (m.name === "SayHello" && answer.reply) {
    const greeting = (fromBinary(m.output, answer.reply) as unknown as { message: string }).message;
    if (greeting !== `Hello ${r.name as string}`) return `greeting ${JSON.stringify(greeting)} for name ${JSON.stringify(r.name)}`;
  }
  return undefined;
}

/** problems lists what is wrong with a call's answer; empty when it is acceptable. */
function problems(c: Case, payload: Buffer, answer: Answer): string[] {
  const found: string[] = [];
  const name = status[answer.code] ?? String(answer.code);
  if (!allowedCodes.has(answer.code)) found.push(`code ${name} is not allowed`);
  if (c.expect !== undefined && answer.code !== c.expect) found.push(`code ${name}, want ${status[c.expect]}`);
  if (answer.code === status.INTERNAL && !undecodable.test(answer.details)) found.push(`INTERNAL for something other than undecodable bytes`);
  if (answer.code === status.RESOURCE_EXHAUSTED && payload.length <= MAX_RECV && !c.raw)
    found.push(`RESOURCE_EXHAUSTED for ${payload.length} bytes, within ${MAX_RECV}`);
  if (/\n\s+at |node:internal|\.js:\d/.test(answer.details)) found.push("the details hold a stack trace");
  if (c.method && !c.raw && payload.length <= MAX_RECV && c.kind !== "unknown-method") {
    let request: Message | undefined;
    try {
      request = fromBinary(c.method.input, payload) as Message;
    } catch {
      request = undefined;
    }
    // The server decodes as this test does: INTERNAL exactly when the bytes are no message of the input type.
    if (!request && answer.code !== status.INTERNAL) found.push(`code ${name} for bytes that are no ${c.method.input.typeName}`);
    if (request && answer.code === status.INTERNAL) found.push(`INTERNAL for a decodable ${c.method.input.typeName}`);
    if (request && answer.code === status.OK && answer.reply) {
      try {
        fromBinary(c.method.output, answer.reply);
      } catch (err) {
        found.push(`a reply that is no ${c.method.output.typeName}: ${(err as Error).message}`);
      }
    }
    const broken = request && allowedCodes.has(answer.code) && answer.code !== status.INTERNAL ? ruleProblem(c.method, request, answer) : undefined;
    if (broken) found.push(broken);
  }
  return found;
}

// ---- the clients ----

const identity = (b: Buffer) => b;

function viaGrpcJs(client: Client, c: Case, payload: Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(c.path, identity, identity, payload, { deadline: Date.now() + ANSWER_WITHIN_MS }, (err: ServiceError | null, reply?: Buffer) =>
      resolve(err ? { code: err.code, details: err.details } : { code: status.OK, details: "", reply }),
    );
  });
}

/** viaRawStream sends payload as the whole DATA of one HTTP/2 stream and reads grpc-status from the trailers, or trailers-only headers. */
function viaRawStream(session: ClientHttp2Session, c: Case, payload: Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    const stream = session.request({
      [h2.HTTP2_HEADER_METHOD]: "POST",
      [h2.HTTP2_HEADER_PATH]: c.path,
      "content-type": "application/grpc",
      te: "trailers",
      ...c.raw,
    });
    let grpcStatus: string | undefined;
    let message = "";
    let httpStatus: number | undefined;
    const read = (headers: Record<string, unknown>) => {
      if (headers["grpc-status"] !== undefined) {
        grpcStatus = String(headers["grpc-status"]);
        message = decodeURIComponent(String(headers["grpc-message"] ?? ""));
      }
    };
    stream.on("response", (headers) => {
      httpStatus = Number(headers[h2.HTTP2_HEADER_STATUS]);
      read(headers);
    });
    stream.on("trailers", read);
    stream.on("data", () => {});
    stream.on("error", () => {});
    stream.setTimeout(ANSWER_WITHIN_MS, () => stream.close(h2.NGHTTP2_CANCEL));
    stream.on("close", () => {
      // A stream without grpc-status is no gRPC answer: -1 is outside every code.
      resolve(
        grpcStatus === undefined
          ? { code: -1, details: `no grpc-status (HTTP ${httpStatus}, RST_STREAM ${stream.rstCode})` }
          : { code: Number(grpcStatus), details: message },
      );
    });
    stream.end(payload);
  });
}

function preview(payload: Buffer): string {
  const hex = payload.subarray(0, 64).toString("hex");
  return payload.length > 64 ? `${hex}…(${payload.length} bytes)` : hex;
}

describe("gRPC fuzzing: seeded random calls to every Greeter method", () => {
  let running: RunningApp;
  let client: Client;
  let session: ClientHttp2Session;

  before(async () => {
    // A generous deadline, so a loaded machine cannot turn a slow answer into DEADLINE_EXCEEDED.
    running = await startApp({ server: { grpc: { addr: "127.0.0.1:0", timeout: "10s" } } });
    client = new Client(running.grpcAddress, credentials.createInsecure());
    session = connectHTTP2(`http://${running.grpcAddress}`);
  });
  after(async () => {
    client.close();
    session.close();
    await running.stop();
  });

  it(`answers ${CALLS} random calls with an allowed code, INTERNAL only for undecodable bytes (seed ${SEED})`, { timeout: 120_000 }, async (t) => {
    const all = fc.sample(grpcCase, { seed: SEED, numRuns: CALLS });
    const counts = new Map<string, number>();
    const kinds = new Map<string, number>();
    const failures = new Failures();
    const started = performance.now();
    await inPool(all, IN_FLIGHT, async (c, i) => {
      tally(kinds, c.kind);
      const payload = c.payload();
      const answer = c.raw ? await viaRawStream(session, c, payload) : await viaGrpcJs(client, c, payload);
      const name = status[answer.code] ?? `no status`;
      tally(counts, name);
      const found = problems(c, payload, answer);
      if (found.length === 0) return;
      failures.add(
        `${c.kind}: ${found.join("; ")}`,
        () => `case #${i}: ${c.path} ${JSON.stringify(c.raw ?? {})} ${preview(payload)} -> ${name} ${JSON.stringify(answer.details.slice(0, 200))}`,
      );
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    t.diagnostic(`seed ${SEED}: ${CALLS} calls in ${seconds} s; answers by code ${JSON.stringify(Object.fromEntries([...counts].sort()))}`);
    t.diagnostic(`calls by kind ${JSON.stringify(Object.fromEntries([...kinds].sort()))}`);
    assert.equal(failures.total, 0, `seed ${SEED}: ${failures.total} of ${CALLS} calls went wrong (case # indexes the seeded sample):\n${failures.report()}`);
    assert.equal(
      [...counts.values()].reduce((a, b) => a + b, 0),
      CALLS,
      `seed ${SEED}: every call gets exactly one answer`,
    );
  });

  it("still greets afterwards", async () => {
    const reply = await call<{ message: string }>((cb) => running.client.sayHello(create(HelloRequestSchema, { name: "kratos" }), cb));
    assert.equal(reply.message, "Hello kratos");
  });
});
