import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createFileRegistry, type DescMessage, fromJson, toJson } from "@bufbuild/protobuf";
import * as wkt from "@bufbuild/protobuf/wkt";
import { KratosError } from "../../errors/errors.js";
import { bindRequest } from "./binding.js";

// message Req { google.protobuf.BoolValue on = 1; repeated google.protobuf.BoolValue ons = 2; }
const file = fromJson(wkt.FileDescriptorProtoSchema, {
  name: "bool.proto",
  package: "t",
  syntax: "proto3",
  dependency: ["google/protobuf/wrappers.proto"],
  messageType: [
    {
      name: "Req",
      field: [
        { name: "on", jsonName: "on", number: 1, type: "TYPE_MESSAGE", typeName: ".google.protobuf.BoolValue", label: "LABEL_OPTIONAL" },
        { name: "ons", jsonName: "ons", number: 2, type: "TYPE_MESSAGE", typeName: ".google.protobuf.BoolValue", label: "LABEL_REPEATED" },
      ],
    },
  ],
});
const req = createFileRegistry(file, () => wkt.file_google_protobuf_wrappers).getMessage("t.Req") as DescMessage;

describe("binding a BoolValue from a URL", () => {
  it("reads true/1 and false/0 as a bool field does, singular and repeated", () => {
    const msg = bindRequest(req, undefined, { on: "true", ons: ["1", "false"] }, []);
    assert.deepEqual(toJson(req, msg), { on: true, ons: [true, false] });
    assert.deepEqual(toJson(req, bindRequest(req, undefined, {}, [[["on"], "0"]])), { on: false });
  });

  it("answers any other spelling with 400 CODEC", () => {
    assert.throws(() => bindRequest(req, undefined, { on: "yes" }, []), KratosError);
    assert.throws(() => bindRequest(req, undefined, { on: "yes" }, []), { code: 400, reason: "CODEC", message: 'invalid value for bool field on: "yes"' });
  });
});
