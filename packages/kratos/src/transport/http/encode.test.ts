import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { HealthCheckRequestSchema } from "../../gen/grpc/health/v1/health_pb.js";
import { encodeRequest } from "./encode.js";

const req = (service: string) => create(HealthCheckRequestSchema, { service });
const binding = (method: string, path: string, body = "") => ({ method, path, body, responseBody: "" });

describe("encodeRequest", () => {
  it("puts a path variable in its segment, percent-encoded, and sends nothing else for it", () => {
    assert.deepEqual(encodeRequest(HealthCheckRequestSchema, binding("GET", "/health/{service}"), req("a b/c?&%")), {
      path: "/health/a%20b%2Fc%3F%26%25",
      query: "",
      body: undefined,
    });
  });

  it("keeps the slashes of a variable whose pattern spans segments", () => {
    assert.equal(encodeRequest(HealthCheckRequestSchema, binding("GET", "/v1/{service=shelves/*}"), req("shelves/a b")).path, "/v1/shelves/a%20b");
    assert.equal(encodeRequest(HealthCheckRequestSchema, binding("GET", "/v1/{service=**}"), req("x/y")).path, "/v1/x/y");
  });

  it("sends a field that is neither in the path nor the body as a query parameter by its JSON name, and a default not at all", () => {
    assert.deepEqual(encodeRequest(HealthCheckRequestSchema, binding("GET", "/health"), req("a&b")), {
      path: "/health",
      query: "service=a%26b",
      body: undefined,
    });
    assert.deepEqual(encodeRequest(HealthCheckRequestSchema, binding("GET", "/health"), req("")), { path: "/health", query: "", body: undefined });
  });

  it("sends the whole request less the path's fields as the body of a * rule, and no query", () => {
    assert.deepEqual(encodeRequest(HealthCheckRequestSchema, binding("POST", "/health", "*"), req("db")), {
      path: "/health",
      query: "",
      body: '{"service":"db"}',
    });
    assert.deepEqual(encodeRequest(HealthCheckRequestSchema, binding("POST", "/health/{service}", "*"), req("db")), {
      path: "/health/db",
      query: "",
      body: "{}",
    });
  });
});
