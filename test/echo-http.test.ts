import "reflect-metadata";
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { after, before, describe, it } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { newLogger } from "@kratos-ts/kratos/log";
import { LogCapture } from "@kratos-ts/kratos/testing";
import { EchoReplySchema, EchoRequestSchema, InnerSchema } from "./api/echo/v1/echo_pb.js";
import { type EchoServers, startEchoServers } from "./support/echo.js";
import { rawExchange, rawRequest } from "./support/http.js";
import { parseError } from "./support/json.js";

describe("HTTP bindings generated from google.api.http rules", () => {
  const logs = new LogCapture();
  let s: EchoServers;

  before(async () => {
    s = await startEchoServers(newLogger({ id: "t", name: "echo", version: "t", destination: logs }));
  });
  after(() => s.stop());

  const get = (path: string, init?: RequestInit) => fetch(`${s.httpURL}${path}`, init);
  const json = (body: string, method = "POST") => ({ method, body, headers: { "content-type": "application/json" } });

  it("binds the path variable and every kind of query parameter, by proto or JSON name", async () => {
    const res = await get("/v1/echo/42?text=hi&numbers=1&numbers=2&flag=true&inner.label=x&inner.count=3&kind=KIND_A&wait=1.5s&userName=bob&unknown=z");
    assert.equal(res.status, 200);
    assert.equal(
      await res.text(),
      '{"request":{"id":"42","text":"hi","numbers":[1,2],"flag":true,"inner":{"label":"x","count":3},"kind":"KIND_A","wait":"1.500s","userName":"bob"},"transport":"http","operation":"/echo.v1.Echo/Get","inner":{"label":"x","count":3}}',
    );
  });

  it("emits unpopulated fields with their defaults, in lowerCamelCase", async () => {
    const res = await get("/v1/echo/7?user_name=");
    assert.equal(
      await res.text(),
      '{"request":{"id":"7","text":"","numbers":[],"flag":false,"kind":"KIND_UNSPECIFIED","userName":""},"transport":"http","operation":"/echo.v1.Echo/Get"}',
    );
  });

  it("serves a plain route added with handle beside the RPCs, HEAD as GET, with Allow from the same table", async () => {
    s.http.handle("GET", "/plain/ping", (_req, res) => {
      res.setHeader("Content-Type", "text/plain");
      res.end("pong");
    });
    const res = await get("/plain/ping");
    assert.deepEqual({ status: res.status, type: res.headers.get("content-type"), body: await res.text() }, { status: 200, type: "text/plain", body: "pong" });
    const post = await get("/plain/ping", { method: "POST" });
    assert.deepEqual({ status: post.status, allow: post.headers.get("allow") }, { status: 405, allow: "GET, HEAD" });
    assert.throws(() => s.http.handle("GET", "/plain/{x}", () => {}), { message: "handle GET /plain/{x}: the path must be literal and start with /" });
  });

  it("serves additional bindings, with nested path variables", async () => {
    const body = (await (await get("/v1/labels/red/echo/9")).json()) as { request: { id: string; inner: { label: string } } };
    assert.equal(body.request.id, "9");
    assert.equal(body.request.inner.label, "red");
  });

  it("lets the path variable win over the query", async () => {
    const body = (await (await get("/v1/echo/1?id=2")).json()) as { request: { id: string } };
    assert.equal(body.request.id, "1");
  });

  it("binds a whole-request body by proto or JSON field names", async () => {
    const res = await get("/v1/echo", json('{"id":"5","text":"t","user_name":"p","numbers":[3]}'));
    assert.equal(res.status, 200);
    assert.equal(
      await res.text(),
      '{"request":{"id":"5","text":"t","numbers":[3],"flag":false,"kind":"KIND_UNSPECIFIED","userName":"p"},"transport":"http","operation":"/echo.v1.Echo/Create"}',
    );
  });

  it("binds a body to one field and answers with the response_body field alone", async () => {
    const res = await get("/v1/echo/3", json('{"label":"b","count":2}', "PUT"));
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{"label":"b","count":2}');
  });

  it("matches a multi-segment path variable", async () => {
    const body = (await (await get("/v1/shelves/1/books/2", { method: "DELETE" })).json()) as { request: { text: string } };
    assert.equal(body.request.text, "shelves/1/books/2");
    assert.equal((await get("/v1/shelves/1", { method: "DELETE" })).status, 404);
  });

  it("answers binary protobuf when Accept asks for it", async () => {
    const res = await get("/v1/echo/8", { headers: { accept: "application/x-protobuf" } });
    assert.equal(res.headers.get("content-type"), "application/x-protobuf");
    const reply = fromBinary(EchoReplySchema, new Uint8Array(await res.arrayBuffer()));
    assert.equal(reply.request?.id, 8n);
  });

  it("answers HEAD without a body and OPTIONS with the allowed methods", async () => {
    const head = await get("/v1/echo/8", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
    const options = await get("/v1/echo/8", { method: "OPTIONS" });
    assert.equal(options.status, 204);
    assert.equal(options.headers.get("allow"), "GET, PUT, HEAD");
  });

  it("answers HEAD with the headers GET would send and no body", async () => {
    const getRes = await rawRequest(s.httpURL, "GET", "/v1/echo/8");
    const head = await rawRequest(s.httpURL, "HEAD", "/v1/echo/8");
    assert.equal(head.status, 200);
    assert.equal(head.headers["content-type"], "application/json");
    assert.equal(head.headers["content-length"], String(getRes.body.length));
    assert.equal(head.body.length, 0);
  });

  describe("Allow, from the route table", () => {
    const allowCases: Array<[string, string, string]> = [
      ["POST", "/v1/echo/8", "GET, PUT, HEAD"],
      ["DELETE", "/v1/echo", "POST"],
      ["HEAD", "/v1/echo", "POST"],
      ["POST", "/v1/labels/red/echo/9", "GET, HEAD"],
      ["GET", "/v1/shelves/1/books/2", "DELETE"],
      ["GET", "/v1/fail/slow", "PATCH"],
    ];
    for (const [method, path, allow] of allowCases) {
      it(`answers ${method} ${path} with 405 and Allow: ${allow}`, async () => {
        const res = await rawRequest(s.httpURL, method, path);
        assert.equal(res.status, 405);
        assert.equal(res.headers.allow, allow);
        assert.equal(res.headers["content-type"], "application/json");
        const body = `{"code":405,"reason":"METHOD_NOT_ALLOWED","message":"method ${method} is not allowed on ${path}","metadata":{}}`;
        assert.equal(res.body.toString(), method === "HEAD" ? "" : body);
      });
      it(`answers OPTIONS ${path} with 204 and Allow: ${allow}`, async () => {
        const res = await rawRequest(s.httpURL, "OPTIONS", path);
        assert.equal(res.status, 204);
        assert.equal(res.headers.allow, allow);
        assert.equal(res.headers["content-type"], undefined);
        assert.equal(res.body.length, 0);
      });
    }

    it("answers an unknown path with 404 in the Kratos error JSON, for OPTIONS too, with no Allow", async () => {
      for (const method of ["GET", "OPTIONS"]) {
        const res = await rawRequest(s.httpURL, method, "/v1/labels/red/echo/9/x");
        assert.equal(res.status, 404);
        assert.equal(res.headers.allow, undefined);
        assert.equal(res.headers["content-type"], "application/json");
        assert.equal(res.body.toString(), `{"code":404,"reason":"NOT_FOUND","message":"no route matches ${method} /v1/labels/red/echo/9/x","metadata":{}}`);
      }
    });
  });

  it("answers CONNECT, which no route serves, with 405 in the Kratos error JSON and closes the connection", async () => {
    const body = '{"code":405,"reason":"METHOD_NOT_ALLOWED","message":"method CONNECT is not allowed on example.com:443","metadata":{}}';
    assert.equal(
      await rawExchange(s.httpURL, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
      `HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    assert.equal((await rawRequest(s.httpURL, "GET", "/v1/echo/7")).status, 200, "the server still serves");
  });

  describe("301 to the clean path, as gorilla/mux with StrictSlash", () => {
    const redirects: Array<[string, string, string]> = [
      ["GET", "//v1//echo/7", "/v1/echo/7"],
      ["GET", "/v1/./echo/7?text=a&flag=true", "/v1/echo/7?text=a&flag=true"],
      ["GET", "/v1/x/../echo/7", "/v1/echo/7"],
      ["GET", "/v1/../../v1/echo/7/..", "/v1/echo"],
      ["GET", "/v1/echo/7/.", "/v1/echo/7"],
      ["POST", "/v1//echo", "/v1/echo"],
      // Cleaning keeps a trailing slash; the next request then loses it.
      ["GET", "//v1/echo/./7/", "/v1/echo/7/"],
      ["GET", "/v1/echo/7/", "/v1/echo/7"],
      ["GET", "/v1/echo/7/?text=a", "/v1/echo/7?text=a"],
      ["HEAD", "/v1/echo/7/", "/v1/echo/7"],
      ["POST", "/v1/echo/", "/v1/echo"],
      ["DELETE", "/v1/shelves/1/books/2/", "/v1/shelves/1/books/2"],
      ["GET", "/v1/echo/hello%20world/", "/v1/echo/hello%20world"],
      // Paths are cleaned before any lookup, so an unknown path moves too (and then gets 404).
      ["GET", "/nope//x?y=1", "/nope/x?y=1"],
    ];
    for (const [method, path, location] of redirects) {
      it(`moves ${method} ${path} to ${location}`, async () => {
        const res = await rawRequest(s.httpURL, method, path);
        assert.equal(res.status, 301);
        assert.equal(res.headers.location, location);
        assert.equal(res.headers["content-type"], undefined);
        assert.equal(res.body.length, 0);
      });
    }

    it("answers a trailing slash on a path served by another method with 405 and that route's Allow", async () => {
      const res = await rawRequest(s.httpURL, "GET", "/v1/echo/");
      assert.equal(res.status, 405);
      assert.equal(res.headers.allow, "POST");
      assert.equal(res.body.toString(), '{"code":405,"reason":"METHOD_NOT_ALLOWED","message":"method GET is not allowed on /v1/echo/","metadata":{}}');
    });

    it("answers an unknown path with a trailing slash with 404", async () => {
      const res = await rawRequest(s.httpURL, "GET", "/nope/");
      assert.equal(res.status, 404);
      assert.equal(res.body.toString(), '{"code":404,"reason":"NOT_FOUND","message":"no route matches GET /nope/","metadata":{}}');
    });
  });

  describe("codecs by their Kratos names", () => {
    const yamlReply =
      "request:\n  id: '7'\n  text: ''\n  numbers: []\n  flag: false\n  kind: KIND_UNSPECIFIED\n  userName: ''\ntransport: http\noperation: /echo.v1.Echo/Get\n";
    const jsonReply =
      '{"request":{"id":"7","text":"","numbers":[],"flag":false,"kind":"KIND_UNSPECIFIED","userName":""},"transport":"http","operation":"/echo.v1.Echo/Get"}';
    const replies: Array<[string, string, string]> = [
      ["application/yaml", "application/yaml", yamlReply],
      ["application/x-yaml", "application/x-yaml", yamlReply],
      ["application/yaml; charset=utf-8", "application/yaml", yamlReply],
      ["text/html, application/YAML;q=0.5, application/json", "application/yaml", yamlReply],
      ["application/json", "application/json", jsonReply],
      ["application/xml", "application/json", jsonReply],
      ["*/*", "application/json", jsonReply],
    ];
    for (const [accept, type, body] of replies) {
      it(`answers Accept: ${accept} with ${type}`, async () => {
        const res = await get("/v1/echo/7?user_name=", { headers: { accept } });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("content-type"), type);
        assert.equal(await res.text(), body);
      });
    }

    for (const type of ["application/proto", "application/x-protobuf", "application/protobuf"]) {
      it(`answers Accept: ${type} with binary protobuf labelled ${type}`, async () => {
        const res = await get("/v1/echo/8?text=hi&numbers=1&numbers=2", { headers: { accept: type } });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("content-type"), type);
        const reply = fromBinary(EchoReplySchema, new Uint8Array(await res.arrayBuffer()));
        assert.equal(reply.request?.id, 8n);
        assert.equal(reply.request?.text, "hi");
        assert.deepEqual(reply.request?.numbers, [1, 2]);
        assert.equal(reply.operation, "/echo.v1.Echo/Get");
      });

      it(`binds a whole-request body sent as ${type}`, async () => {
        const body = toBinary(EchoRequestSchema, create(EchoRequestSchema, { id: 5n, text: "t", userName: "p", numbers: [3], kind: 2 }));
        const res = await get("/v1/echo", { method: "POST", body, headers: { "content-type": type, accept: type } });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("content-type"), type);
        const reply = fromBinary(EchoReplySchema, new Uint8Array(await res.arrayBuffer()));
        assert.deepEqual(reply.request, create(EchoRequestSchema, { id: 5n, text: "t", userName: "p", numbers: [3], kind: 2 }));
        assert.equal(reply.operation, "/echo.v1.Echo/Create");
      });
    }

    it("binds a protobuf body to its field and answers with the response_body field alone, in protobuf", async () => {
      const body = toBinary(InnerSchema, create(InnerSchema, { label: "b", count: 2 }));
      const res = await get("/v1/echo/3", { method: "PUT", body, headers: { "content-type": "application/proto", accept: "application/proto" } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/proto");
      const bytes = new Uint8Array(await res.arrayBuffer());
      assert.deepEqual(bytes, body);
      assert.deepEqual(fromBinary(InnerSchema, bytes), create(InnerSchema, { label: "b", count: 2 }));
    });

    for (const type of ["application/yaml", "application/x-yaml", "application/yaml; charset=utf-8"]) {
      it(`binds a whole-request body sent as ${type}, by proto or JSON field names`, async () => {
        const body = "id: '5'\ntext: t\nuser_name: p\nnumbers: [3]\nkind: KIND_B\nwait: 1.5s\n";
        const res = await get("/v1/echo", { method: "POST", body, headers: { "content-type": type } });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("content-type"), "application/json");
        assert.equal(
          await res.text(),
          '{"request":{"id":"5","text":"t","numbers":[3],"flag":false,"kind":"KIND_B","wait":"1.500s","userName":"p"},"transport":"http","operation":"/echo.v1.Echo/Create"}',
        );
      });
    }

    it("reads YAML with the core schema: a date stays a string, a number fills an int64", async () => {
      const res = await get("/v1/echo", { method: "POST", body: "id: 12\ntext: 2024-01-01\n", headers: { "content-type": "application/yaml" } });
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as { request: object }).request, {
        id: "12",
        text: "2024-01-01",
        numbers: [],
        flag: false,
        kind: "KIND_UNSPECIFIED",
        userName: "",
      });
    });

    it("binds a YAML body to its field and answers with the response_body field in YAML", async () => {
      const res = await get("/v1/echo/3", {
        method: "PUT",
        body: "label: b\ncount: 2\n",
        headers: { "content-type": "application/yaml", accept: "application/yaml" },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/yaml");
      assert.equal(await res.text(), "label: b\ncount: 2\n");
    });

    it("answers errors in JSON whatever Accept asks for", async () => {
      for (const accept of ["application/proto", "application/yaml"]) {
        const res = await get("/v1/echo/x1", { headers: { accept } });
        assert.equal(res.status, 400);
        assert.equal(res.headers.get("content-type"), "application/json");
        assert.deepEqual(await res.json(), {
          code: 400,
          reason: "CODEC",
          message: "path: cannot decode field echo.v1.EchoRequest.id from JSON: expected bigint (int64): x1 out of range",
          metadata: {},
        });
      }
    });

    /** bomb is 10 levels of anchors, each 10 aliases of the one before: 10^10 leaves if expanded. */
    function bomb(kind: "mapping" | "sequence"): string {
      const names = "abcdefghij";
      const lines = [...names].map((name, i) => {
        const items = Array.from({ length: 10 }, (_, k) => (i === 0 ? "x" : `${kind === "mapping" ? `k${k}: ` : ""}*${names[i - 1]}`));
        return `${name}: &${name} ${kind === "mapping" ? `{${items.map((v, k) => (i === 0 ? `k${k}: ${v}` : v)).join(", ")}}` : `[${items.join(", ")}]`}`;
      });
      return `${lines.join("\n")}\n`;
    }

    for (const kind of ["mapping", "sequence"] as const) {
      it(`refuses a billion-laughs YAML ${kind} body quickly and stays up`, async () => {
        const body = bomb(kind);
        assert.ok(body.length < 1024, `the bomb is ${body.length} bytes`);
        const started = performance.now();
        const res = await get("/v1/echo", { method: "POST", body, headers: { "content-type": "application/yaml" } });
        assert.equal(res.status, 400);
        assert.deepEqual(await res.json(), {
          code: 400,
          reason: "CODEC",
          message: "body unmarshal: YAML expands to more than 100000 keys and items",
          metadata: {},
        });
        assert.ok(performance.now() - started < 2000);
        assert.equal((await get("/v1/echo/1")).status, 200);
      });
    }
  });

  const codecCases: Array<[string, string, RequestInit | undefined, number, string]> = [
    ["malformed JSON", "/v1/echo", json("{bad"), 400, `body unmarshal: ${parseError("{bad")}`],
    [
      "a JSON value of the wrong type",
      "/v1/echo",
      json('{"id":"abc"}'),
      400,
      "body unmarshal: cannot decode field echo.v1.EchoRequest.id from JSON: expected bigint (int64): abc out of range",
    ],
    [
      "an unsupported Content-Type",
      "/v1/echo",
      { method: "POST", body: "x", headers: { "content-type": "text/plain" } },
      415,
      "unsupported Content-Type: text/plain",
    ],
    ["an oversize body", "/v1/echo", json(`{"text":"${"x".repeat(2000)}"}`), 413, "request body is larger than 1024 bytes"],
    ["two values for a singular field", "/v1/echo/1?text=a&text=b", undefined, 400, 'too many values for field "text": a, b'],
    ["a bad bool", "/v1/echo/1?flag=maybe", undefined, 400, 'invalid value for bool field flag: "maybe"'],
    ["a bad number", "/v1/echo/x1", undefined, 400, "path: cannot decode field echo.v1.EchoRequest.id from JSON: expected bigint (int64): x1 out of range"],
    ["a bad percent-encoding", "/v1/echo/%E0%A4%A", undefined, 400, "invalid percent-encoding in path"],
    ["a bad percent-encoding in a nested variable", "/v1/labels/%ZZ/echo/1", undefined, 400, "invalid percent-encoding in path"],
    [
      "malformed YAML",
      "/v1/echo",
      { method: "POST", body: "id: [5\n", headers: { "content-type": "application/yaml" } },
      400,
      "body unmarshal: deficient indentation at line 2, column 1",
    ],
    [
      "two YAML documents",
      "/v1/echo",
      { method: "POST", body: "id: '1'\n---\nid: '2'\n", headers: { "content-type": "application/yaml" } },
      400,
      "body unmarshal: holds 2 YAML documents; want one",
    ],
    [
      "a YAML tag outside the core schema",
      "/v1/echo",
      { method: "POST", body: "text: !!js/function x\n", headers: { "content-type": "application/yaml" } },
      400,
      "body unmarshal: unknown scalar tag !<tag:yaml.org,2002:js/function> at line 1, column 7",
    ],
    [
      "a YAML alias cycle",
      "/v1/echo",
      { method: "POST", body: "inner: &a {label: x, count: *a}\n", headers: { "content-type": "application/yaml" } },
      400,
      "body unmarshal: YAML nests more than 100 deep",
    ],
    [
      "malformed protobuf",
      "/v1/echo",
      { method: "POST", body: new Uint8Array([0xff, 0xff]), headers: { "content-type": "application/proto" } },
      400,
      "body unmarshal: premature EOF",
    ],
    [
      "an unsupported Content-Type with parameters",
      "/v1/echo",
      { method: "POST", body: "x", headers: { "content-type": "Text/Plain; charset=utf-8" } },
      415,
      "unsupported Content-Type: text/plain",
    ],
  ];
  for (const [what, path, init, code, message] of codecCases) {
    it(`answers ${what} with ${code} CODEC`, async () => {
      const res = await get(path, init);
      assert.equal(res.status, code);
      assert.equal(res.headers.get("content-type"), "application/json");
      assert.deepEqual(await res.json(), { code, reason: "CODEC", message, metadata: {} });
    });
  }

  it("answers a KratosError with its code, reason, message and metadata", async () => {
    const res = await get("/v1/fail/error", json("{}", "PATCH"));
    assert.equal(res.status, 404);
    assert.equal(await res.text(), '{"code":404,"reason":"USER_NOT_FOUND","message":"user not found","metadata":{"user":"kratos"}}');
  });

  it("turns a thrown bug into 500 UNKNOWN, logs its stack, leaks nothing and stays up", async () => {
    const res = await get("/v1/fail/panic", json("{}", "PATCH"));
    assert.equal(res.status, 500);
    assert.equal(await res.text(), '{"code":500,"reason":"UNKNOWN","message":"unknown request error","metadata":{}}');
    const line = await logs.waitFor((l) => l.msg === "panic recovered: secret internal detail");
    assert.equal(line.level, "ERROR");
    assert.equal(line.operation, "/echo.v1.Echo/Fail");
    assert.equal(line.kind, "http");
    assert.match(String((line.err as { stack: string }).stack), /TypeError: secret internal detail\n\s+at EchoService\.fail/);
    assert.equal((await get("/v1/echo/1")).status, 200);
  });

  it("sends reply headers the handler set and gives it the request headers", async () => {
    const res = await get("/v1/fail/header", { ...json("{}", "PATCH"), headers: { "content-type": "application/json", "x-md-test": "1" } });
    assert.equal(res.headers.get("x-echo"), "yes");
    const ctx = s.echo.contexts.at(-1);
    assert.equal(ctx?.requestHeader.get("X-MD-Test"), "1");
    assert.equal(ctx?.kind, "http");
    assert.equal(ctx?.operation, "/echo.v1.Echo/Fail");
  });

  it("gives each request a deadline of the server timeout", async () => {
    const before = Date.now();
    await get("/v1/echo/1");
    const ctx = s.echo.contexts.at(-1);
    assert.ok(ctx && ctx.deadline >= before + 1000 && ctx.deadline <= Date.now() + 1000, `deadline ${ctx?.deadline}`);
  });
});

describe("the express app of an HTTP server", () => {
  let s: EchoServers;
  const seen: string[] = [];
  before(async () => {
    s = await startEchoServers(newLogger({ id: "t", name: "echo", version: "t", destination: new LogCapture() }), {
      beforeStart: (http) => {
        http.app.use((req, _res, next) => {
          seen.push(req.url);
          next();
        });
        http.app.get("/static/:file", (req, res) => {
          res.type("text/plain").send(`file ${req.params.file}`);
        });
      },
    });
  });
  after(() => s.stop());

  it("serves what it has mounted, after the bindings and before the answers to unmatched requests", async () => {
    const file = await fetch(`${s.httpURL}/static/a.txt`);
    assert.deepEqual(
      { status: file.status, type: file.headers.get("content-type"), body: await file.text() },
      { status: 200, type: "text/plain; charset=utf-8", body: "file a.txt" },
    );
    const rpc = await fetch(`${s.httpURL}/v1/echo/5`);
    assert.deepEqual({ status: rpc.status, id: ((await rpc.json()) as { request: { id: string } }).request.id }, { status: 200, id: "5" });
    const missing = await fetch(`${s.httpURL}/static/a.txt/more`);
    assert.deepEqual(
      { status: missing.status, body: await missing.json() },
      { status: 404, body: { code: 404, reason: "NOT_FOUND", message: "no route matches GET /static/a.txt/more", metadata: {} } },
    );
    const wrongMethod = await fetch(`${s.httpURL}/v1/echo/5`, { method: "DELETE" });
    assert.deepEqual({ status: wrongMethod.status, allow: wrongMethod.headers.get("allow") }, { status: 405, allow: "GET, PUT, HEAD" });
    // The binding never reached express; the two unmatched requests did.
    assert.deepEqual(seen, ["/static/a.txt", "/static/a.txt/more", "/v1/echo/5"]);
  });
});

describe("a stop, for what the express app of an HTTP server serves", () => {
  it("closes the connection of a request it answers during the stop, and counts one still running as cut when the stop is forced", async () => {
    const logs = new LogCapture();
    let reached: () => void = () => {};
    const heldReached = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const s = await startEchoServers(newLogger({ id: "t", name: "echo", version: "t", destination: logs }), {
      beforeStart: (http) => {
        http.app.get("/mounted/quick", (_req, res) => {
          res.send("quick");
        });
        // Never answers: only the forced stop ends it.
        http.app.get("/mounted/held", () => reached());
      },
    });
    const port = Number(s.http.address.split(":").at(-1));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string) =>
      new Promise<{ status?: number; connection?: string; error?: string }>((resolve) => {
        const req = request({ host: "127.0.0.1", port, path, agent }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode, connection: res.headers.connection }));
        });
        req.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
        req.end();
      });
    try {
      // A keep-alive connection open before the stop, and a request still running when it begins.
      assert.deepEqual(await get("/mounted/quick"), { status: 200, connection: "keep-alive" });
      const held = fetch(`${s.httpURL}/mounted/held`).then(
        (r) => `status ${r.status}`,
        () => "no answer",
      );
      await heldReached;
      const force = new AbortController();
      const stopped = s.http.stop(force.signal);
      assert.deepEqual(await get("/mounted/quick"), { status: 200, connection: "close" });
      force.abort();
      await stopped;
      assert.equal(await held, "no answer");
      const warned = logs.lines.filter((l) => l.level === "WARN").map((l) => l.msg);
      assert.deepEqual(warned, ["[HTTP] server couldn't stop gracefully in time, doing force stop: 1 request cut"]);
    } finally {
      agent.destroy();
      await s.stop();
    }
  });
});

describe("an HTTP request past its deadline", () => {
  let s: EchoServers;
  before(async () => {
    s = await startEchoServers(newLogger({ id: "t", name: "echo", version: "t", destination: new LogCapture() }), { timeout: 100 });
  });
  after(() => s.stop());

  const deadlineBody = { code: 504, reason: "DEADLINE_EXCEEDED", message: "context deadline exceeded", metadata: {} };

  it("is answered 504 DEADLINE_EXCEEDED at the deadline, before its handler, which sees its signal abort, answers its own", async () => {
    const res = await fetch(`${s.httpURL}/v1/fail/deadline`, { method: "PATCH", body: "{}", headers: { "content-type": "application/json" } });
    assert.equal(res.status, 504);
    assert.deepEqual(await res.json(), deadlineBody);
    const ctx = s.echo.contexts.at(-1);
    assert.ok(ctx, "the handler ran");
    const reason = ctx.signal.reason as Error;
    assert.deepEqual([ctx.signal.aborted, reason.name, reason.message], [true, "TimeoutError", "context deadline exceeded"]);
  });

  it("is answered at the deadline even when its handler ignores the signal and takes longer", async () => {
    const start = Date.now();
    const res = await fetch(`${s.httpURL}/v1/fail/slow`, { method: "PATCH", body: '{"wait":"3s"}', headers: { "content-type": "application/json" } });
    const took = Date.now() - start;
    assert.equal(res.status, 504);
    assert.deepEqual(await res.json(), deadlineBody);
    assert.ok(took >= 90 && took < 1500, `answered after ${took} ms, not when the handler finished`);
  });
});
