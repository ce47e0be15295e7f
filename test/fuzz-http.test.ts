import "reflect-metadata";
import assert from "node:assert/strict";
import { METHODS } from "node:http";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { type RunningApp, startApp } from "./support/app.js";
import { Failures, inPool, tally } from "./support/fuzz.js";

// Seeded fuzzing of the HTTP port over raw sockets: any failure names the seed and the case's index, which
// regenerate the same bytes.
const SEED = 0x15eed;
const REQUESTS = 10_000;
const SOCKETS = 20;
const MAX_BODY_BYTES = 1024 * 1024;
// A case gets this long for every answer it is owed before it counts as a hang; the slowest legitimate answer
// is the 408 that read_timeout (2 s) gives a request whose body never ends.
const ANSWER_WITHIN_MS = 15_000;

/** The statuses the server may answer anything with: 409 too, GREETER_ALREADY_EXISTS, which the README documents for create and update. */
function allowedStatus(status: number): boolean {
  return (status >= 200 && status < 300) || [301, 400, 404, 405, 408, 409, 413, 415, 431].includes(status);
}

/** A request as written on the wire, and how its answer is checked. */
interface Sent {
  /** Its method: a HEAD answer has no body. */
  method: string;
  /** The status it must get, when the case pins one. */
  expect?: number;
}

/** One connection's worth of bytes: a single request, several pipelined ones, or a malformed one. */
interface Exchange {
  kind: string;
  requests: Sent[];
  /** The bytes, built when sent: some cases are larger than 1 MiB. */
  bytes: () => Buffer;
  /** Half-closes the connection once written, so the server sees the end of a truncated request. */
  halfClose?: boolean;
}

interface Answer {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

// ---- generators ----

const host = "Host: 127.0.0.1";
const knownMethods = new Set(METHODS);

const pathUnit = fc.constantFrom(
  ..."abzK07-_.~!$&'()*+,;=:@".split(""),
  "%00",
  "%20",
  "%2F",
  "%2f",
  "%25",
  "%C3%A9",
  "%F0%9F%98%80",
  "%ED%A0%80",
  "%C0%AF",
  "%",
  "%Z",
  "%zz",
);
const segment = fc.oneof(
  { weight: 10, arbitrary: fc.array(pathUnit, { maxLength: 12 }).map((units) => units.join("")) },
  { weight: 3, arbitrary: fc.constantFrom("kratos", "1", "2", "0", "-1", "9007199254740993", "9223372036854775808", "0x10", "1e3") },
  { weight: 1, arbitrary: fc.constantFrom("", ".", "..") },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String) },
  // Overlong segments: names over 128 characters break validation, a few KB stay under the 16 KiB head.
  { weight: 1, arbitrary: fc.integer({ min: 129, max: 6000 }).map((n) => "n".repeat(n)) },
);
const prefix = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom("/helloworld/", "/v1/greeters/", "/v1/greeters") },
  { weight: 1, arbitrary: fc.constantFrom("/helloworld", "/", "/healthz", "/readyz", "/nope/", "/HelloWorld/") },
  // Unclean paths: 301 to the cleaned one.
  { weight: 1, arbitrary: fc.constantFrom("//helloworld/", "/v1//greeters/", "/helloworld/./", "/v1/greeters/../greeters/") },
);
const pageToken = fc.nat({ max: 60 }).map((after) => Buffer.from(JSON.stringify({ v: 1, after })).toString("base64url"));
const queryPair = fc
  .tuple(
    fc.constantFrom("hello", "page_size", "pageSize", "page_token", "pageToken", "name", "id", "hello.x", "__proto__", "constructor", "", "x"),
    fc.oneof(
      fc.array(pathUnit, { maxLength: 10 }).map((units) => units.join("")),
      fc.integer({ min: -2000, max: 2000 }).map(String),
      fc.constantFrom("99999999999999999999", "1e3", "true", "-0", "NaN"),
      pageToken,
    ),
  )
  .map(([k, v]) => `${k}=${v}`);
const query = fc.option(
  fc.array(queryPair, { maxLength: 4 }).map((pairs) => `?${pairs.join("&")}`),
  { nil: "" },
);
/** A request target of bytes llhttp accepts, so a pipelined request is always parsed. */
const safeTarget = fc
  .tuple(
    prefix,
    fc.oneof({ weight: 4, arbitrary: fc.tuple(segment).map((one) => [...one]) }, { weight: 1, arbitrary: fc.array(segment, { maxLength: 3 }) }),
    fc.oneof({ weight: 12, arbitrary: fc.constant("/") }, { weight: 1, arbitrary: fc.constantFrom("//", "/../", "/./") }),
    fc.nat(9).map((roll) => roll === 0),
    query,
  )
  .map(([p, segs, sep, slash, q]) => `${p}${segs.join(sep)}${slash ? "/" : ""}${q}`);
const anyTarget = fc.oneof(
  { weight: 12, arbitrary: safeTarget },
  {
    weight: 2,
    arbitrary: fc
      .tuple(safeTarget, fc.constantFrom("é", "\t", "\x7f", "\x00", "#", "|", "{", "}", "\\", "^", "`", '"', "<", ">"), fc.nat())
      .map(([t, c, at]) => {
        const i = at % (t.length + 1);
        return t.slice(0, i) + c + t.slice(i);
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          "http://x",
          "http://127.0.0.1:1",
          "https://x:99999",
          "http://[::1",
          "http://[",
          "http://[::1]:x",
          "http://[::1]",
          "http://%zz",
          "http://a@b",
          "ftp://x",
        ),
        safeTarget,
      )
      .map(([authority, t]) => authority + t),
  },
  { weight: 1, arbitrary: fc.constantFrom("*", "x", "http://x", "helloworld/x") },
);
const greeterID = fc.oneof(
  fc.integer({ min: 1, max: 40 }).map(String),
  fc.constantFrom("0", "-1", "9007199254740993", "9223372036854775807", "9223372036854775808", "0x10", "1e3", "%31"),
);

const jsonBody = fc.oneof(
  fc
    .record(
      { hello: fc.oneof(fc.string({ maxLength: 140 }), fc.string({ unit: "binary", maxLength: 140 }), fc.jsonValue({ maxDepth: 2 })) },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc
    .record(
      { id: fc.oneof(fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String), fc.integer()), hello: fc.string({ maxLength: 10 }) },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
);
const malformedJson = fc.oneof(
  fc.tuple(jsonBody, fc.nat()).map(([text, n]) => text.slice(0, n % Math.max(1, text.length))),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('{"hello":', "{'hello':'x'}", "{hello: x}", "\ufeff{}", '{"hello":"x"}garbage', "NaN", '{"hello":"\\x"}', '{"hello":"\\ud800"}'),
);
const nestingDepth = fc.integer({ min: 100, max: 10_000 });
const deepJson = fc.oneof(
  nestingDepth.map((n) => "[".repeat(n)),
  nestingDepth.map((n) => "[".repeat(n) + "]".repeat(n)),
  nestingDepth.map((n) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`),
  nestingDepth.map((n) => `${'{"hello":'.repeat(n)}"x"${"}".repeat(n)}`),
);
const billionLaughs = [
  'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
  "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]",
  "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]",
  "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]",
  "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]",
  "hello: x",
].join("\n");
const yamlBody = fc.oneof(
  fc.string({ maxLength: 20 }).map((s) => `hello: ${JSON.stringify(s)}`),
  fc.constantFrom("hello: [1, 2]", "hello: !!binary aGk=", "--- a\n--- b", "hello: &x x\nname: *x", "a: &a {b: *a}", billionLaughs, ":\n:", "\t"),
  nestingDepth.map((n) => "[".repeat(n)),
);
const protoBody = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.string({ maxLength: 30 }).map((s) => {
    const hello = Buffer.from(s);
    return Buffer.concat([Buffer.from([0x0a, hello.length]), hello]);
  }),
);
const contentType = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/vnd.kratos+json",
  "application/proto",
  "application/x-protobuf",
  "application/protobuf",
  "application/yaml",
  "application/x-yaml",
  "text/plain",
  "multipart/form-data; boundary=x",
  "application/x-www-form-urlencoded",
  "",
  ";;;",
  "application/",
);

interface Body {
  bytes: Buffer;
  /** The Content-Type line's value; no header when undefined. */
  type: string | undefined;
  /** A Content-Encoding line's value, when the body is encoded. */
  encoding?: string;
}

const body: fc.Arbitrary<Body> = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: jsonBody.map((t) => ({ text: t, natural: "application/json" })) },
      { weight: 3, arbitrary: malformedJson.map((t) => ({ text: t, natural: "application/json" })) },
      { weight: 1, arbitrary: deepJson.map((t) => ({ text: t, natural: "application/json" })) },
      { weight: 2, arbitrary: yamlBody.map((t) => ({ text: t, natural: "application/yaml" })) },
      { weight: 2, arbitrary: protoBody.map((t) => ({ text: t, natural: "application/proto" })) },
    ),
    // Mostly the type that names the body's codec, else any.
    fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.option(contentType, { nil: undefined }) }),
    fc.oneof(
      { weight: 12, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom("gzip", "deflate", "br", "compress", "identity", "gzip, gzip") },
    ),
  )
  .map(([{ text, natural }, type, encoding]) => {
    const raw = typeof text === "string" ? Buffer.from(text) : text;
    // A body says gzip and is gzip, or says another coding and is not: either way the server must decode or refuse it.
    const bytes = encoding === "gzip" ? gzipSync(raw) : raw;
    return { bytes, type: type === null ? natural : type, encoding };
  });

const extraHeaders = fc.array(
  fc.constantFrom(
    "X-Md-Global-Fuzz: 1",
    "Expect: 100-continue",
    "Upgrade: h2c",
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Accept: application/proto",
    "Accept: application/yaml",
    "Accept: text/html",
    "Accept: application/x-protobuf, application/json",
    "Accept:",
    "Accept-Encoding: gzip",
    "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "traceparent: garbage",
    "X-Empty:",
    "Host: second.example",
  ),
  { maxLength: 3 },
);

type Framing = "length" | "chunked" | "zero-length" | "none";

interface Plain {
  method: string;
  target: string;
  version: string;
  headers: string[];
  body?: Body;
  framing: Framing;
  /** Chunk sizes for chunked framing; the last size repeats until the body is written. */
  chunks: number[];
}

/** encode writes a request with correct framing: a Content-Length equal to the body, or a well-formed chunked body. */
function encode(r: Plain): Buffer {
  const lines = [`${r.method} ${r.target} ${r.version}`, ...r.headers];
  const payload = r.body?.bytes ?? Buffer.alloc(0);
  if (r.body?.type !== undefined) lines.push(`Content-Type: ${r.body.type}`);
  if (r.body?.encoding !== undefined) lines.push(`Content-Encoding: ${r.body.encoding}`);
  if (r.framing === "chunked") {
    lines.push("Transfer-Encoding: chunked");
    return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), chunked(payload, r.chunks)]);
  }
  if (r.framing === "length" || r.framing === "zero-length") lines.push(`Content-Length: ${r.framing === "zero-length" ? 0 : payload.length}`);
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  return r.framing === "length" ? Buffer.concat([head, payload]) : head;
}

function chunked(payload: Buffer, sizes: number[], terminate = true): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < payload.length; i++) {
    const size = Math.max(1, sizes[Math.min(i, sizes.length - 1)] ?? payload.length);
    const piece = payload.subarray(at, at + size);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n"));
    at += piece.length;
  }
  if (terminate) parts.push(Buffer.from("0\r\n\r\n"));
  return Buffer.concat(parts);
}

const chunkSizes = fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 4 });

/** A well-framed request; pipelined ones keep the connection open, use targets llhttp parses, and ask for no 100 Continue. */
function plainRequest(opts: { pipelined: boolean }): fc.Arbitrary<Plain> {
  const methods = fc.oneof(
    { weight: 30, arbitrary: fc.constant("GET") },
    { weight: 14, arbitrary: fc.constant("POST") },
    { weight: 10, arbitrary: fc.constant("PATCH") },
    { weight: 8, arbitrary: fc.constant("DELETE") },
    { weight: 5, arbitrary: fc.constant("PUT") },
    { weight: 6, arbitrary: fc.constant("HEAD") },
    { weight: 5, arbitrary: fc.constant("OPTIONS") },
    { weight: 3, arbitrary: fc.constant("TRACE") },
    { weight: 3, arbitrary: fc.constantFrom(...METHODS.filter((m) => m !== "CONNECT")) },
  );
  const headers = opts.pipelined
    ? extraHeaders.map((hs) => [host, ...hs.filter((h) => h.startsWith("Accept") || h.startsWith("X-") || h.startsWith("traceparent"))])
    : fc.tuple(extraHeaders, fc.nat(40), fc.boolean()).map(([hs, roll, close]) => {
        // Now and then no Host, which HTTP/1.1 requires (400); mostly Connection: close or keep-alive.
        const base = roll === 0 ? [] : [host];
        return close ? [...base, ...hs, "Connection: close"] : [...base, ...hs];
      });
  const version = opts.pipelined
    ? fc.constant("HTTP/1.1")
    : fc.oneof(
        { weight: 20, arbitrary: fc.constant("HTTP/1.1") },
        { weight: 1, arbitrary: fc.constantFrom("HTTP/1.0", "HTTP/0.9", "HTTP/2.0", "HTTP/1.2", "HTTP/1") },
      );
  return fc
    .record({
      method: methods,
      target: opts.pipelined ? safeTarget : anyTarget,
      version,
      headers,
      body: fc.option(body, { nil: undefined, freq: 2 }),
      framing: fc.constantFrom<Framing>("length", "length", "chunked", "zero-length", "none"),
      chunks: chunkSizes,
    })
    .map((r) => (r.body ? r : { ...r, framing: r.framing === "chunked" ? "length" : r.framing }));
}

/** A request to a route that reads a body: CreateGreeter or UpdateGreeter. */
const bodyRouteRequest: fc.Arbitrary<Plain> = fc
  .record({
    route: fc.oneof(
      { weight: 3, arbitrary: fc.constant({ method: "POST", target: "/v1/greeters" }) },
      { weight: 2, arbitrary: greeterID.map((id) => ({ method: "PATCH", target: `/v1/greeters/${id}` })) },
    ),
    headers: extraHeaders.map((hs) => [host, ...hs, "Connection: close"]),
    payload: body,
    framing: fc.constantFrom<Framing>("length", "length", "chunked"),
    chunks: chunkSizes,
  })
  .map(({ route, headers, payload, framing, chunks }) => ({ ...route, version: "HTTP/1.1", headers, body: payload, framing, chunks }));

const single = (kind: string, arb: fc.Arbitrary<Plain>): fc.Arbitrary<Exchange> =>
  arb.map((r) => ({ kind, requests: [{ method: r.method }], bytes: () => encode(r) }));

const pipelined: fc.Arbitrary<Exchange> = fc.array(plainRequest({ pipelined: true }), { minLength: 2, maxLength: 6 }).map((rs) => ({
  kind: "pipelined",
  requests: rs.map((r) => ({ method: r.method })),
  bytes: () => Buffer.concat(rs.map(encode)),
}));

const invalidMethod: fc.Arbitrary<Exchange> = fc
  .tuple(fc.oneof(fc.constantFrom("FOO", "get", "Post", "BREW", "G3T", "XYZZY"), fc.stringMatching(/^[A-Z]{1,10}$/)), safeTarget)
  .filter(([m]) => !knownMethods.has(m))
  .map(([m, t]) => ({ kind: "invalid-method", requests: [{ method: m, expect: 400 }], bytes: () => Buffer.from(`${m} ${t} HTTP/1.1\r\n${host}\r\n\r\n`) }));

const connectMethod: fc.Arbitrary<Exchange> = fc
  .constantFrom("127.0.0.1:1", "example.com:443", "/helloworld/x", "[::1]:80", "x")
  .map((t) => ({ kind: "connect", requests: [{ method: "CONNECT", expect: 405 }], bytes: () => Buffer.from(`CONNECT ${t} HTTP/1.1\r\n${host}\r\n\r\n`) }));

const create = (headers: readonly string[], rest: string | Buffer) =>
  Buffer.concat([
    Buffer.from(`POST /v1/greeters HTTP/1.1\r\n${host}\r\nContent-Type: application/json\r\n${headers.map((h) => `${h}\r\n`).join("")}\r\n`),
    Buffer.from(rest),
  ]);

/** Bodies over max_body_bytes: a declared length, a chunked stream, and a small gzip that inflates past it: 413. */
const oversize: fc.Arbitrary<Exchange> = fc
  .tuple(fc.constantFrom("length", "chunked", "gzip"), fc.integer({ min: 1, max: 64 * 1024 }), chunkSizes)
  .map(([how, extra, sizes]) => ({
    kind: `oversize-${how}`,
    requests: [{ method: "POST", expect: 413 }],
    bytes: () => {
      if (how === "gzip") {
        const bomb = gzipSync(Buffer.alloc(MAX_BODY_BYTES + extra, 0x20));
        return create(["Content-Encoding: gzip", `Content-Length: ${bomb.length}`], bomb);
      }
      const payload = Buffer.alloc(MAX_BODY_BYTES + extra, 0x20);
      if (how === "length") return create([`Content-Length: ${payload.length}`], payload);
      return create(
        ["Transfer-Encoding: chunked"],
        chunked(
          payload,
          sizes.map((s) => s * 64),
        ),
      );
    },
  }));

/** JSON and YAML nested up to 10,000 deep, sent to CreateGreeter: every one is a 400. */
const deep: fc.Arbitrary<Exchange> = fc
  .tuple(
    fc.oneof(
      deepJson,
      nestingDepth.map((n) => "[".repeat(n)),
    ),
    fc.constantFrom("application/json", "application/yaml"),
  )
  .map(([text, type]) => ({
    kind: `deep-${type}`,
    requests: [{ method: "POST", expect: 400 }],
    bytes: () =>
      Buffer.concat([
        Buffer.from(`POST /v1/greeters HTTP/1.1\r\n${host}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n`),
        Buffer.from(text),
      ]),
  }));

/** Framing that lies: each is answered 400 by the parser, 408 when the client just stops, or served as far as it goes. */
const framingAbuse: fc.Arbitrary<Exchange> = fc.oneof(
  // Content-Length past the bytes sent, then the end of the stream: the parser sees the body cut short.
  fc.tuple(jsonBody, fc.integer({ min: 1, max: 500 })).map(([text, more]) => ({
    kind: "length-over-eof",
    requests: [{ method: "POST", expect: 400 }],
    bytes: () => create([`Content-Length: ${Buffer.byteLength(text) + more}`], text),
    halfClose: true,
  })),
  // Content-Length short of the body: the rest is read as the next request, which may be garbage.
  fc.tuple(jsonBody, fc.integer({ min: 1, max: 20 })).map(([text, less]) => ({
    kind: "length-under",
    requests: [{ method: "POST" }],
    bytes: () => create([`Content-Length: ${Math.max(0, Buffer.byteLength(text) - less)}`], text),
  })),
  fc
    .constantFrom(
      ["Content-Length: abc"],
      ["Content-Length: -1"],
      ["Content-Length: 1.5"],
      ["Content-Length: +2"],
      ["Content-Length: 2", "Content-Length: 3"],
      ["Content-Length: 2", "Transfer-Encoding: chunked"],
      ["Transfer-Encoding: chunked, gzip"],
      ["Transfer-Encoding: identity"],
    )
    .map((headers) => ({ kind: "bad-framing-header", requests: [{ method: "POST", expect: 400 }], bytes: () => create(headers, "{}") })),
  fc
    .constantFrom(
      "zz\r\n{}\r\n0\r\n\r\n",
      "-1\r\n{}\r\n0\r\n\r\n",
      "ffffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
      "0x2\r\n{}\r\n0\r\n\r\n",
      "2 2\r\n{}\r\n0\r\n\r\n",
      "2\r\n{}XX0\r\n\r\n",
      "2\n{}\n0\n\n",
      "2\r\n{}\r\n0\r\nbad trailer\r\n\r\n",
    )
    .map((rest) => ({ kind: "bad-chunk", requests: [{ method: "POST", expect: 400 }], bytes: () => create(["Transfer-Encoding: chunked"], rest) })),
  // A chunked body with no last chunk, then the end of the stream.
  jsonBody.map((text) => ({
    kind: "chunked-unterminated-eof",
    requests: [{ method: "POST", expect: 400 }],
    bytes: () => create(["Transfer-Encoding: chunked"], chunked(Buffer.from(text), [7], false)),
    halfClose: true,
  })),
  fc.constantFrom("Bad Header: 1", "X-A: a\x00b", "X-A: a\r\n b", "X-A").map((h) => ({
    kind: "bad-header",
    requests: [{ method: "GET", expect: 400 }],
    bytes: () => Buffer.from(`GET /helloworld/x HTTP/1.1\r\n${host}\r\n${h}\r\n\r\n`),
  })),
);

/** A body that never ends, on a connection left open: read_timeout answers it 408. */
const stalled: fc.Arbitrary<Exchange> = fc.tuple(jsonBody, fc.boolean()).map(([text, asChunks]) => ({
  kind: asChunks ? "stalled-chunked" : "stalled-length",
  requests: [{ method: "POST", expect: 408 }],
  bytes: () =>
    asChunks
      ? create(["Transfer-Encoding: chunked"], chunked(Buffer.from(text), [5], false))
      : create([`Content-Length: ${Buffer.byteLength(text) + 10}`], text),
}));

/** A request head over 16 KiB: 431. */
const headerOverflow: fc.Arbitrary<Exchange> = fc.integer({ min: 16 * 1024 + 1, max: 16 * 1024 + 2048 }).map((n) => ({
  kind: "header-overflow",
  requests: [{ method: "GET", expect: 431 }],
  bytes: () => Buffer.from(`GET /helloworld/big HTTP/1.1\r\n${host}\r\nX-Big: ${"x".repeat(n)}\r\n\r\n`),
}));

const exchange: fc.Arbitrary<Exchange> = fc.oneof(
  { weight: 500, arbitrary: single("single", plainRequest({ pipelined: false })) },
  { weight: 250, arbitrary: single("body-route", bodyRouteRequest) },
  { weight: 50, arbitrary: pipelined },
  { weight: 30, arbitrary: framingAbuse },
  { weight: 25, arbitrary: deep },
  { weight: 20, arbitrary: invalidMethod },
  { weight: 10, arbitrary: connectMethod },
  { weight: 10, arbitrary: oversize },
  { weight: 8, arbitrary: headerOverflow },
  { weight: 3, arbitrary: stalled },
);

/** cases draws exchanges from the seed until they hold exactly count requests, cutting the last pipeline short. */
function cases(seed: number, count: number): Exchange[] {
  const out: Exchange[] = [];
  let requests = 0;
  for (const ex of fc.sample(exchange, { seed, numRuns: count })) {
    const left = count - requests;
    if (left === 0) break;
    if (ex.requests.length <= left) out.push(ex);
    else {
      const all = ex.bytes;
      const kept = ex.requests.length;
      // Only a pipeline has several requests; its first `left` requests stand on their own.
      out.push({ ...ex, requests: ex.requests.slice(0, left), bytes: () => firstRequests(all(), kept, left) });
    }
    requests += Math.min(ex.requests.length, left);
  }
  return out;
}

/** firstRequests keeps the first n of the `total` well-framed requests in bytes. */
function firstRequests(bytes: Buffer, total: number, n: number): Buffer {
  let at = 0;
  for (let i = 0; i < n && i < total; i++) at = endOfRequest(bytes, at);
  return bytes.subarray(0, at);
}

function endOfRequest(bytes: Buffer, start: number): number {
  const headEnd = bytes.indexOf("\r\n\r\n", start, "latin1");
  const head = bytes.subarray(start, headEnd).toString("latin1");
  let at = headEnd + 4;
  const length = /\r\nContent-Length: (\d+)/i.exec(head);
  if (length) return at + Number(length[1]);
  if (!/\r\nTransfer-Encoding: chunked/i.test(head)) return at;
  for (;;) {
    const lineEnd = bytes.indexOf("\r\n", at, "latin1");
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString("latin1"), 16);
    at = lineEnd + 2 + size + 2;
    if (size === 0) return at;
  }
}

// ---- the client ----

/** AnswerReader parses HTTP/1.1 responses off a stream, skipping 1xx, framing each by its request's method. */
class AnswerReader {
  readonly answers: Answer[] = [];
  malformed = "";
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly methods: string[]) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    this.parse(false);
  }

  /** closed reads the last response, which may run to the end of the stream. */
  closed(): void {
    this.parse(true);
  }

  private parse(eof: boolean): void {
    while (!this.malformed) {
      const headEnd = this.buf.indexOf("\r\n\r\n", 0, "latin1");
      if (headEnd < 0) return;
      const [statusLine = "", ...lines] = this.buf.subarray(0, headEnd).toString("latin1").split("\r\n");
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine);
      if (!m) {
        this.malformed = statusLine;
        return;
      }
      const status = Number(m[1]);
      const headers = new Map<string, string>();
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
      }
      const rest = this.buf.subarray(headEnd + 4);
      if (status < 200) {
        this.buf = rest;
        continue;
      }
      const method = this.methods[this.answers.length] ?? "GET";
      let body: Buffer;
      let used: number;
      if (method === "HEAD" || status === 204 || status === 304) {
        body = Buffer.alloc(0);
        used = 0;
      } else if (headers.get("transfer-encoding") === "chunked") {
        const decoded = dechunk(rest);
        if (!decoded) return;
        ({ body, used } = decoded);
      } else if (headers.has("content-length")) {
        const length = Number(headers.get("content-length"));
        if (rest.length < length) return;
        body = rest.subarray(0, length);
        used = length;
      } else {
        if (!eof) return;
        body = rest;
        used = rest.length;
      }
      this.answers.push({ status, headers, body });
      this.buf = rest.subarray(used);
    }
  }
}

function dechunk(buf: Buffer): { body: Buffer; used: number } | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = buf.indexOf("\r\n", at, "latin1");
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(buf.subarray(at, lineEnd).toString("latin1"), 16);
    if (size === 0) {
      const end = buf.indexOf("\r\n\r\n", lineEnd, "latin1");
      return end < 0 ? undefined : { body: Buffer.concat(parts), used: end + 4 };
    }
    if (buf.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

interface Outcome {
  answers: Answer[];
  /** How the exchange ended: every answer came, the server closed, or the guard ran out. */
  end: "answered" | "closed" | "timeout";
  malformed: string;
  socketError?: string;
}

/** run writes one exchange on a fresh connection and reads until every request is answered, the server closes, or the guard ends it. */
function run(port: number, ex: Exchange, bytes: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    const reader = new AnswerReader(ex.requests.map((r) => r.method));
    const socket = connect(port, "127.0.0.1");
    let socketError: string | undefined;
    let settled = false;
    const finish = (end: Outcome["end"]) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      socket.destroy();
      resolve({ answers: reader.answers, end, malformed: reader.malformed, socketError });
    };
    const guard = setTimeout(() => finish("timeout"), ANSWER_WITHIN_MS);
    socket.on("data", (chunk: Buffer) => {
      reader.push(chunk);
      if (reader.answers.length >= ex.requests.length) finish("answered");
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      socketError = err.code ?? err.message;
    });
    socket.on("close", () => {
      reader.closed();
      finish(reader.answers.length >= ex.requests.length ? "answered" : "closed");
    });
    socket.once("connect", () => {
      socket.write(bytes);
      if (ex.halfClose) socket.end();
    });
  });
}

const stackMarkers = ["    at ", ".js:", ".ts:", "node:internal"];

interface Problem {
  /** What went wrong, the same words for every case it happens to. */
  problem: string;
  /** The answer that shows it. */
  detail: string;
}

/** problems lists what is wrong with the answers an exchange got; empty when they are all acceptable. */
function problems(ex: Exchange, out: Outcome, sent: string): Problem[] {
  const found: Problem[] = [];
  if (out.malformed) found.push({ problem: "a malformed status line", detail: JSON.stringify(out.malformed) });
  if (out.answers.length < ex.requests.length) {
    found.push({
      problem: "a request got no answer",
      detail: `${ex.requests.length - out.answers.length} of ${ex.requests.length} unanswered (${out.end}${out.socketError ? `, ${out.socketError}` : ""})`,
    });
  }
  ex.requests.forEach((req, i) => {
    const a = out.answers[i];
    if (!a) return;
    const text = a.body.toString("utf8");
    const detail = `request ${i}: ${a.status} ${JSON.stringify(text.slice(0, 300))}`;
    if (!allowedStatus(a.status)) found.push({ problem: `status ${a.status}`, detail });
    if (req.expect !== undefined && a.status !== req.expect) found.push({ problem: `status ${a.status}, want ${req.expect}`, detail });
    for (const marker of stackMarkers) {
      if (text.includes(marker) && !sent.includes(marker)) found.push({ problem: `a body holds ${JSON.stringify(marker)}`, detail });
    }
    // The README: errors are always the Kratos error JSON, with the status equal to the code; Node's own
    // answers to a request it cannot parse have no body.
    if (a.status >= 400 && a.body.length > 0) {
      const problem = kratosErrorProblem(text, a.status);
      if (problem) found.push({ problem: `a ${a.status} ${problem}`, detail });
    }
    if (a.status === 409 && !text.includes('"reason":"GREETER_ALREADY_EXISTS"')) found.push({ problem: "a 409 that is not GREETER_ALREADY_EXISTS", detail });
  });
  return found;
}

function kratosErrorProblem(text: string, status: number): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return "has a body that is not JSON";
  }
  const keys = typeof parsed === "object" && parsed !== null ? Object.keys(parsed) : [];
  if (keys.join() !== "code,reason,message,metadata") return "has a body that is not the Kratos error JSON";
  if ((parsed as { code: unknown }).code !== status) return "has an error code unequal to the status";
  return undefined;
}

function preview(bytes: Buffer): string {
  const text = bytes.toString("latin1");
  return JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…(${text.length} bytes)` : text);
}

describe("HTTP fuzzing: seeded random raw requests over TCP", () => {
  let running: RunningApp;

  before(async () => {
    // A generous handler deadline, so a loaded machine cannot turn a slow answer into a 504; read_timeout
    // small, so a body that never ends is answered 408 in 2 s rather than 30.
    running = await startApp({ server: { http: { addr: "127.0.0.1:0", timeout: "10s", read_timeout: "2s" } } });
  });
  after(() => running.stop());

  it(`answers ${REQUESTS} random requests with an allowed status, no 5xx and no stack trace (seed ${SEED})`, { timeout: 120_000 }, async (t) => {
    const port = Number(new URL(running.httpURL).port);
    const all = cases(SEED, REQUESTS);
    const counts = new Map<number, number>();
    const kinds = new Map<string, number>();
    const failures = new Failures();
    const started = performance.now();
    await inPool(all, SOCKETS, async (ex, i) => {
      tally(kinds, ex.kind, ex.requests.length);
      const sent = ex.bytes();
      const out = await run(port, ex, sent);
      for (const a of out.answers.slice(0, ex.requests.length)) tally(counts, a.status);
      const found = problems(ex, out, sent.toString("latin1"));
      if (found.length === 0) return;
      failures.add(
        `${ex.kind}: ${found.map((f) => f.problem).join("; ")}`,
        () => `case #${i}: ${preview(sent)}\n      ${found.map((f) => f.detail).join("\n      ")}`,
      );
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const byStatus = Object.fromEntries([...counts].sort(([a], [b]) => a - b));
    t.diagnostic(`seed ${SEED}: ${REQUESTS} requests in ${all.length} connections, ${seconds} s; answers by status ${JSON.stringify(byStatus)}`);
    t.diagnostic(`requests by kind ${JSON.stringify(Object.fromEntries([...kinds].sort()))}`);
    assert.equal(
      failures.total,
      0,
      `seed ${SEED}: ${failures.total} of ${all.length} connections went wrong (case # indexes the seeded sample):\n${failures.report()}`,
    );
    assert.equal(
      [...counts.values()].reduce((a, b) => a + b, 0),
      REQUESTS,
      `seed ${SEED}: every request sent gets exactly one counted answer`,
    );
  });

  it("still greets afterwards", async () => {
    const res = await fetch(`${running.httpURL}/helloworld/kratos`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{"message":"Hello kratos"}');
  });
});
