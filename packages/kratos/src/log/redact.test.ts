import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Metadata } from "@grpc/grpc-js";
import { Header } from "../context/header.js";
import { LogCapture } from "../testing/logs.js";
import { newLogger } from "./logger.js";
import { REDACTED } from "./redact.js";

describe("credential headers in logs", () => {
  const logged = (fields: Record<string, unknown>) => {
    const logs = new LogCapture();
    newLogger({ id: "host", name: "helloworld", version: "1", destination: logs }).warn(fields, "odd request");
    return logs.lines[0] as Record<string, unknown>;
  };

  it("redacts authorization, proxy-authorization, cookie and set-cookie in Node's header object, whatever their case", () => {
    const line = logged({
      headers: { Authorization: "Bearer s3cret", "proxy-authorization": "Basic eA==", cookie: "sid=1", "set-cookie": ["a=1"], accept: "application/json" },
    });
    assert.deepEqual(line.headers, {
      Authorization: REDACTED,
      "proxy-authorization": REDACTED,
      cookie: REDACTED,
      "set-cookie": REDACTED,
      accept: "application/json",
    });
  });

  it("redacts them in a Header, logged or written with JSON.stringify", () => {
    const header = new Header();
    header.add("Authorization", "Bearer s3cret");
    header.add("x-md-tenant", "a");
    header.add("x-md-tenant", "b");
    assert.deepEqual(logged({ headers: header }).headers, { authorization: REDACTED, "x-md-tenant": ["a", "b"] });
    assert.equal(JSON.stringify(header), '{"authorization":"[REDACTED]","x-md-tenant":["a","b"]}');
  });

  it("redacts them in gRPC metadata", () => {
    const metadata = new Metadata();
    metadata.set("authorization", "Bearer s3cret");
    metadata.set("x-md-user", "u1");
    assert.deepEqual(logged({ metadata }).metadata, { authorization: REDACTED, "x-md-user": "u1" });
  });
});
