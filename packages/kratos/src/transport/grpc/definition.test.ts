import "reflect-metadata";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { Health, HealthCheckRequestSchema } from "../../gen/grpc/health/v1/health_pb.js";
import { definitionOf } from "./definition.js";

describe("definitionOf", () => {
  const check = definitionOf(Health).check;

  it("names each method by its path and kind", () => {
    assert.equal(check?.path, "/grpc.health.v1.Health/Check");
    assert.equal(check?.requestStream, false);
    assert.equal(check?.responseStream, false);
    assert.equal(definitionOf(Health).watch?.responseStream, true);
  });

  it("reads a request's known fields and drops its unknown ones", () => {
    const known = toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, { service: "svc" }));
    // Field 15, varint 1, a thousand times: fields the schema doesn't know.
    const unknown = Buffer.from(Array.from({ length: 1000 }, () => [0x78, 0x01]).flat());
    const read = check?.requestDeserialize(Buffer.concat([Buffer.from(known), unknown])) as { service: string; $unknown?: unknown };
    assert.equal(read.service, "svc");
    assert.equal(read.$unknown, undefined);
  });
});
