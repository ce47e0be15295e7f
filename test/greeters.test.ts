import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, fromBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { type ServiceError, status } from "@grpc/grpc-js";
import { fromError, STATUS_DETAILS_KEY } from "@kratos-ts/kratos/errors";
import { ErrorInfoSchema } from "@kratos-ts/kratos/gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "@kratos-ts/kratos/gen/google/rpc/status_pb.js";
import { testContext } from "@kratos-ts/kratos/testing";
import type { GreeterClient } from "../api/helloworld/v1/greeter_grpc.js";
import {
  type CreateGreeterReply,
  CreateGreeterRequestSchema,
  type DeleteGreeterReply,
  DeleteGreeterRequestSchema,
  type GetGreeterReply,
  GetGreeterRequestSchema,
  type GreeterInfo,
  type HelloReply,
  HelloRequestSchema,
  type ListGreetersReply,
  ListGreetersRequestSchema,
  type UpdateGreeterReply,
  UpdateGreeterRequestSchema,
} from "../api/helloworld/v1/greeter_pb.js";
import { GREETER_REPO, type GreeterRepo } from "../internal/biz/greeter.js";
import { type RunningApp, startApp } from "./support/app.js";
import { call, callError } from "./support/grpc.js";
import { parseError } from "./support/json.js";

const notFoundBody = '{"code":404,"reason":"USER_NOT_FOUND","message":"user not found","metadata":{}}';
const conflictBody = '{"code":409,"reason":"GREETER_ALREADY_EXISTS","message":"greeter already exists","metadata":{}}';
const badTokenMessage = "invalid page_token: pass the next_page_token of a previous ListGreeters reply, or none for the first page";
const badTokenBody = `{"code":400,"reason":"INVALID_PAGE_TOKEN","message":"${badTokenMessage}","metadata":{}}`;
/** A Timestamp in the proto3 JSON mapping, as the store keeps milliseconds. */
const timestamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/;

interface Reply {
  status: number;
  contentType: string | null;
  text: string;
}

/** greeterJSON is the exact JSON of a greeter, with its times read from the reply it came in. */
function greeterJSON(id: string | bigint, hello: string, greetCount: number, createTime: string, updateTime: string): string {
  return `{"id":"${id}","hello":"${hello}","greetCount":"${greetCount}","createTime":"${createTime}","updateTime":"${updateTime}"}`;
}

interface GreeterFields {
  id: string;
  hello: string;
  greetCount: string;
  createTime: string;
  updateTime: string;
}

describe("the greeter API over real sockets", () => {
  let running: RunningApp;
  let client: InstanceType<typeof GreeterClient>;

  before(async () => {
    running = await startApp();
    client = running.client;
  });

  after(async () => {
    await running.stop();
  });

  async function http(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
    const init: RequestInit = { method, headers: body === undefined ? headers : { "content-type": "application/json", ...headers } };
    if (body !== undefined) init.body = body;
    const res = await fetch(`${running.httpURL}${path}`, init);
    return { status: res.status, contentType: res.headers.get("content-type"), text: await res.text() };
  }

  /** created posts a greeter and checks the exact reply: greet_count 0, both times the same. */
  async function created(hello: string): Promise<GreeterFields> {
    const res = await http("POST", "/v1/greeters", JSON.stringify({ hello }));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.contentType, "application/json");
    const g = (JSON.parse(res.text) as { greeter: GreeterFields }).greeter;
    assert.match(g.id, /^[1-9]\d*$/);
    assert.match(g.createTime, timestamp);
    assert.equal(g.updateTime, g.createTime);
    assert.equal(res.text, `{"greeter":${greeterJSON(g.id, hello, 0, g.createTime, g.createTime)}}`);
    return g;
  }

  it("counts two SayHello calls: ListGreeters?hello= finds the greeter and GET /v1/greeters/{id} shows greetCount 2", async () => {
    assert.equal((await http("GET", "/helloworld/twice")).text, '{"message":"Hello twice"}');
    const hello = await call<HelloReply>((cb) => client.sayHello(create(HelloRequestSchema, { name: "twice" }), cb));
    assert.equal(hello.message, "Hello twice");

    const list = await http("GET", "/v1/greeters?hello=twice");
    assert.equal(list.status, 200);
    const [g] = (JSON.parse(list.text) as { greeters: GreeterFields[] }).greeters;
    assert.ok(g, list.text);
    assert.match(g.createTime, timestamp);
    assert.match(g.updateTime, timestamp);
    assert.ok(g.updateTime >= g.createTime);
    assert.equal(list.text, `{"greeters":[${greeterJSON(g.id, "twice", 2, g.createTime, g.updateTime)}],"nextPageToken":""}`);

    const res = await http("GET", `/v1/greeters/${g.id}`);
    assert.equal(res.status, 200);
    assert.equal(res.contentType, "application/json");
    assert.ok(res.text.includes('"greetCount":"2"'), res.text);
    assert.equal(res.text, `{"greeter":${greeterJSON(g.id, "twice", 2, g.createTime, g.updateTime)}}`);
  });

  describe("over HTTP", () => {
    it("creates a greeter with greetCount 0, gets it, and SayHello counts from there", async () => {
      const g = await created("fresh");
      const got = await http("GET", `/v1/greeters/${g.id}`);
      assert.equal(got.text, `{"greeter":${greeterJSON(g.id, "fresh", 0, g.createTime, g.updateTime)}}`);
      await http("GET", "/helloworld/fresh");
      const counted = JSON.parse((await http("GET", `/v1/greeters/${g.id}`)).text) as { greeter: GreeterFields };
      assert.equal(counted.greeter.greetCount, "1");
      assert.equal(counted.greeter.createTime, g.createTime);
    });

    it("answers a hello that exists with 409 GREETER_ALREADY_EXISTS, and counts nothing", async () => {
      const g = await created("taken");
      const res = await http("POST", "/v1/greeters", '{"hello":"taken"}');
      assert.equal(res.status, 409);
      assert.equal(res.contentType, "application/json");
      assert.equal(res.text, conflictBody);
      assert.equal((await http("GET", `/v1/greeters/${g.id}`)).text, `{"greeter":${greeterJSON(g.id, "taken", 0, g.createTime, g.updateTime)}}`);
    });

    it("answers an unknown id with 404 USER_NOT_FOUND on GET, PATCH and DELETE", async () => {
      for (const [method, body] of [
        ["GET", undefined],
        ["PATCH", '{"hello":"nobody"}'],
        ["DELETE", undefined],
      ] as const) {
        // An id below 1 is refused by the validator with 400 VALIDATOR (test/validation.test.ts).
        for (const id of ["999999", "9007199254740992", "9223372036854775807"]) {
          const res = await http(method, `/v1/greeters/${id}`, body);
          assert.equal(res.status, 404, `${method} ${id}`);
          assert.equal(res.contentType, "application/json");
          assert.equal(res.text, notFoundBody, `${method} ${id}`);
        }
      }
    });

    it("answers an id that is not an int64 with 400 CODEC", async () => {
      const res = await http("GET", "/v1/greeters/abc");
      assert.equal(res.status, 400);
      assert.deepEqual(JSON.parse(res.text), {
        code: 400,
        reason: "CODEC",
        message: "path: cannot decode field helloworld.v1.GetGreeterRequest.id from JSON: expected bigint (int64): abc out of range",
        metadata: {},
      });
    });

    it("updates a greeter's hello with PATCH, and refuses a hello another greeter has with 409", async () => {
      const g = await created("before");
      await created("other");
      const res = await http("PATCH", `/v1/greeters/${g.id}`, '{"hello":"after"}');
      assert.equal(res.status, 200, res.text);
      const updated = (JSON.parse(res.text) as { greeter: GreeterFields }).greeter;
      assert.ok(updated.updateTime >= g.updateTime);
      assert.equal(res.text, `{"greeter":${greeterJSON(g.id, "after", 0, g.createTime, updated.updateTime)}}`);
      assert.equal((await http("GET", `/v1/greeters/${g.id}`)).text, res.text);
      assert.equal((await http("GET", "/v1/greeters?hello=before")).text, '{"greeters":[],"nextPageToken":""}');

      const taken = await http("PATCH", `/v1/greeters/${g.id}`, '{"hello":"other"}');
      assert.equal(taken.status, 409);
      assert.equal(taken.text, conflictBody);
    });

    it("lets the path's id win over an id in the PATCH body", async () => {
      const g = await created("path-wins");
      const res = await http("PATCH", `/v1/greeters/${g.id}`, '{"id":"999999","hello":"path-won"}');
      assert.equal(res.status, 200, res.text);
      assert.equal((JSON.parse(res.text) as { greeter: GreeterFields }).greeter.id, g.id);
    });

    it("deletes a greeter with DELETE, answering {}, after which it is not found", async () => {
      const g = await created("doomed");
      const res = await http("DELETE", `/v1/greeters/${g.id}`);
      assert.equal(res.status, 200);
      assert.equal(res.contentType, "application/json");
      assert.equal(res.text, "{}");
      assert.equal((await http("GET", `/v1/greeters/${g.id}`)).text, notFoundBody);
      assert.equal((await http("DELETE", `/v1/greeters/${g.id}`)).text, notFoundBody);
      assert.equal((await http("GET", "/v1/greeters?hello=doomed")).text, '{"greeters":[],"nextPageToken":""}');
    });

    it("answers a malformed page_token with 400 INVALID_PAGE_TOKEN", async () => {
      for (const token of ["garbage!", "eyJ2IjoyLCJhZnRlciI6Mn0", "bm90IGpzb24"]) {
        const res = await http("GET", `/v1/greeters?page_token=${token}`);
        assert.equal(res.status, 400, token);
        assert.equal(res.contentType, "application/json");
        assert.equal(res.text, badTokenBody, token);
      }
    });

    it("answers a page_size that is not a number with 400 CODEC", async () => {
      const res = await http("GET", "/v1/greeters?page_size=ten");
      assert.equal(res.status, 400);
      assert.equal(JSON.parse(res.text).reason, "CODEC");
    });

    const bodyCases: Array<[string, string, Record<string, string>, number, string]> = [
      ["malformed JSON", "{bad", {}, 400, `body unmarshal: ${parseError("{bad")}`],
      [
        "a JSON hello that is not a string",
        '{"hello":5}',
        {},
        400,
        "body unmarshal: cannot decode field helloworld.v1.CreateGreeterRequest.hello from JSON: expected string, got 5",
      ],
      ["a wrong Content-Type", '{"hello":"x"}', { "content-type": "text/plain" }, 415, "unsupported Content-Type: text/plain"],
      [
        "a body of 1 MiB + 1 bytes (the default limit, server.http.max_body_bytes)",
        `{"hello":"${"x".repeat(1024 * 1024 + 1 - '{"hello":""}'.length)}"}`,
        {},
        413,
        "request body is larger than 1048576 bytes",
      ],
    ];
    for (const [what, body, headers, code, message] of bodyCases) {
      it(`answers POST /v1/greeters with ${what} with ${code} CODEC, and creates nothing`, async () => {
        if (code === 413) assert.equal(Buffer.byteLength(body), 1024 * 1024 + 1);
        const before = await http("GET", "/v1/greeters?page_size=1000");
        const res = await http("POST", "/v1/greeters", body, headers);
        assert.equal(res.status, code, res.text);
        assert.equal(res.contentType, "application/json");
        assert.equal(res.text, JSON.stringify({ code, reason: "CODEC", message, metadata: {} }));
        assert.equal((await http("GET", "/v1/greeters?page_size=1000")).text, before.text);
      });
    }
  });

  describe("over gRPC", () => {
    /** errorInfo is a failed call's code, message and google.rpc.ErrorInfo reason, and the Kratos error a client reads from it. */
    function errorInfo(err: ServiceError) {
      const rpcStatus = fromBinary(StatusSchema, err.metadata.get(STATUS_DETAILS_KEY)[0] as Buffer);
      const detail = rpcStatus.details[0];
      assert.ok(detail, "the status has a detail");
      const info = anyUnpack(detail, ErrorInfoSchema);
      return { code: err.code, message: err.details, reason: info?.reason, metadata: info?.metadata, kratos: fromError(err).toStatus() };
    }

    const getGreeter = (id: bigint) => call<GetGreeterReply>((cb) => client.getGreeter(create(GetGreeterRequestSchema, { id }), cb));
    const addGreeter = (hello: string) => call<CreateGreeterReply>((cb) => client.createGreeter(create(CreateGreeterRequestSchema, { hello }), cb));

    it("creates, gets, lists, updates and deletes a greeter", async () => {
      const made = (await addGreeter("grpc-made")).greeter as GreeterInfo;
      assert.ok(made.id > 0n);
      assert.equal(made.hello, "grpc-made");
      assert.equal(made.greetCount, 0n);
      assert.ok(made.createTime && made.updateTime);
      assert.deepEqual(made.updateTime, made.createTime);

      assert.deepEqual((await getGreeter(made.id)).greeter, made);
      const listed = await call<ListGreetersReply>((cb) => client.listGreeters(create(ListGreetersRequestSchema, { hello: "grpc-made" }), cb));
      assert.deepEqual(listed.greeters, [made]);
      assert.equal(listed.nextPageToken, "");

      const updated = await call<UpdateGreeterReply>((cb) =>
        client.updateGreeter(create(UpdateGreeterRequestSchema, { id: made.id, hello: "grpc-renamed" }), cb),
      );
      assert.equal(updated.greeter?.hello, "grpc-renamed");
      assert.equal(updated.greeter?.id, made.id);

      const deleted = await call<DeleteGreeterReply>((cb) => client.deleteGreeter(create(DeleteGreeterRequestSchema, { id: made.id }), cb));
      assert.equal(deleted.$typeName, "helloworld.v1.DeleteGreeterReply");
      const gone = await callError<GetGreeterReply>((cb) => client.getGreeter(create(GetGreeterRequestSchema, { id: made.id }), cb));
      assert.equal(gone.code, status.NOT_FOUND);
    });

    it("answers an unknown id with NOT_FOUND and a google.rpc.ErrorInfo reason USER_NOT_FOUND", async () => {
      const calls: Array<(cb: (err: ServiceError | null) => void) => unknown> = [
        (cb) => client.getGreeter(create(GetGreeterRequestSchema, { id: 999999n }), cb),
        (cb) => client.getGreeter(create(GetGreeterRequestSchema, { id: 9223372036854775807n }), cb),
        (cb) => client.updateGreeter(create(UpdateGreeterRequestSchema, { id: 999999n, hello: "nobody" }), cb),
        (cb) => client.deleteGreeter(create(DeleteGreeterRequestSchema, { id: 999999n }), cb),
      ];
      for (const start of calls) {
        assert.deepEqual(errorInfo(await callError(start)), {
          code: status.NOT_FOUND,
          message: "user not found",
          reason: "USER_NOT_FOUND",
          metadata: {},
          kratos: { code: 404, reason: "USER_NOT_FOUND", message: "user not found", metadata: {} },
        });
      }
    });

    it("answers a hello that exists with ALREADY_EXISTS and the reason GREETER_ALREADY_EXISTS, which a client reads back as 409", async () => {
      await addGreeter("grpc-taken");
      const err = await callError<CreateGreeterReply>((cb) => client.createGreeter(create(CreateGreeterRequestSchema, { hello: "grpc-taken" }), cb));
      assert.deepEqual(errorInfo(err), {
        code: status.ALREADY_EXISTS,
        message: "greeter already exists",
        reason: "GREETER_ALREADY_EXISTS",
        metadata: {},
        kratos: { code: 409, reason: "GREETER_ALREADY_EXISTS", message: "greeter already exists", metadata: {} },
      });
    });

    it("answers a malformed page_token with INVALID_ARGUMENT and the reason INVALID_PAGE_TOKEN", async () => {
      const err = await callError<ListGreetersReply>((cb) => client.listGreeters(create(ListGreetersRequestSchema, { pageToken: "garbage!" }), cb));
      assert.deepEqual(errorInfo(err), {
        code: status.INVALID_ARGUMENT,
        message: badTokenMessage,
        reason: "INVALID_PAGE_TOKEN",
        metadata: {},
        kratos: { code: 400, reason: "INVALID_PAGE_TOKEN", message: badTokenMessage, metadata: {} },
      });
    });
  });
});

describe("ListGreeters pages over real sockets, on a database of its own", () => {
  let running: RunningApp;
  let client: InstanceType<typeof GreeterClient>;

  before(async () => {
    running = await startApp();
    client = running.client;
  });

  after(async () => {
    await running.stop();
  });

  interface Page {
    greeters: GreeterFields[];
    nextPageToken: string;
  }

  async function page(query: string): Promise<Page> {
    const res = await fetch(`${running.httpURL}/v1/greeters${query}`);
    assert.equal(res.status, 200);
    const text = await res.text();
    const body = JSON.parse(text) as Page;
    assert.deepEqual(Object.keys(body), ["greeters", "nextPageToken"], text);
    return body;
  }

  /** pages follows next_page_token from the first page to the last, and returns each page's hellos. */
  async function pages(query: string): Promise<string[][]> {
    const out: string[][] = [];
    let token = "";
    do {
      const p = await page(`${query}${query ? "&" : "?"}page_token=${token}`);
      out.push(p.greeters.map((g) => g.hello));
      token = p.nextPageToken;
      assert.ok(out.length < 100, "the pages end");
    } while (token !== "");
    return out;
  }

  it("lists nothing on an empty database, with no next page", async () => {
    assert.deepEqual(await page(""), { greeters: [], nextPageToken: "" });
  });

  it("pages through every greeter in id order, the last page with an empty next_page_token", async () => {
    for (const hello of ["g1", "g2", "g3", "g4", "g5"]) {
      const res = await fetch(`${running.httpURL}/v1/greeters`, {
        method: "POST",
        body: JSON.stringify({ hello }),
        headers: { "content-type": "application/json" },
      });
      assert.equal(res.status, 200);
    }
    assert.deepEqual(await pages("?page_size=2"), [["g1", "g2"], ["g3", "g4"], ["g5"]]);
    assert.deepEqual(await pages("?page_size=5"), [["g1", "g2", "g3", "g4", "g5"]]);
    assert.deepEqual(await pages("?pageSize=1"), [["g1"], ["g2"], ["g3"], ["g4"], ["g5"]]);
    const first = await page("?page_size=2");
    assert.match(first.nextPageToken, /^[A-Za-z0-9_-]+$/, "the token is URL-safe as it is");
    const ids = first.greeters.map((g) => BigInt(g.id));
    assert.ok((ids[0] as bigint) < (ids[1] as bigint));
  });

  it("keeps its place when a greeter before the token is deleted or one is added after it", async () => {
    const first = await page("?page_size=2");
    const g1 = first.greeters[0] as GreeterFields;
    assert.equal((await fetch(`${running.httpURL}/v1/greeters/${g1.id}`, { method: "DELETE" })).status, 200);
    await fetch(`${running.httpURL}/v1/greeters`, { method: "POST", body: '{"hello":"g6"}', headers: { "content-type": "application/json" } });
    const second = await page(`?page_size=2&page_token=${first.nextPageToken}`);
    assert.deepEqual(
      second.greeters.map((g) => g.hello),
      ["g3", "g4"],
    );
    const third = await page(`?page_size=2&page_token=${second.nextPageToken}`);
    assert.deepEqual(
      third.greeters.map((g) => g.hello),
      ["g5", "g6"],
    );
    assert.equal(third.nextPageToken, "");
  });

  it("filters by the exact hello, and an empty hello lists all", async () => {
    assert.deepEqual(await pages("?hello=g3"), [["g3"]]);
    assert.deepEqual(await pages("?hello=G3"), [[]]);
    assert.deepEqual(await pages("?hello=g"), [[]]);
    assert.deepEqual(await pages("?hello="), [["g2", "g3", "g4", "g5", "g6"]]);
  });

  it("gives 50 greeters when page_size is unset or 0, 1000 for page_size 1000, and refuses a larger page_size with 400 VALIDATOR", async () => {
    const repo = running.container.resolve<GreeterRepo>(GREETER_REPO);
    for (let i = 0; i < 1001; i++) await repo.create(testContext(), `bulk-${i}`);
    const total = 5 + 1001;
    for (const query of ["", "?page_size=0"]) {
      const p = await page(query);
      assert.equal(p.greeters.length, 50, query);
      assert.notEqual(p.nextPageToken, "");
    }
    const big = await page("?page_size=1000");
    assert.equal(big.greeters.length, 1000);
    const rest = await page(`?page_size=1000&page_token=${big.nextPageToken}`);
    assert.equal(rest.greeters.length, total - 1000);
    assert.equal(rest.nextPageToken, "");
    for (const size of ["1001", "5000"]) {
      const res = await fetch(`${running.httpURL}/v1/greeters?page_size=${size}&page_token=${big.nextPageToken}`);
      assert.equal(res.status, 400, size);
      assert.equal((JSON.parse(await res.text()) as { reason: string }).reason, "VALIDATOR", size);
    }
  });

  it("pages the same over gRPC, where a token from HTTP works too", async () => {
    const first = await call<ListGreetersReply>((cb) => client.listGreeters(create(ListGreetersRequestSchema, { pageSize: 2 }), cb));
    assert.deepEqual(
      first.greeters.map((g) => g.hello),
      ["g2", "g3"],
    );
    const fromHTTP = await page("?page_size=2");
    assert.equal(first.nextPageToken, fromHTTP.nextPageToken);
    const second = await call<ListGreetersReply>((cb) =>
      client.listGreeters(create(ListGreetersRequestSchema, { pageSize: 2, pageToken: fromHTTP.nextPageToken }), cb),
    );
    assert.deepEqual(
      second.greeters.map((g) => g.hello),
      ["g4", "g5"],
    );
  });
});
