import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, fromBinary, getOption, hasOption, type Message, toBinary, toJson } from "@bufbuild/protobuf";
import type { FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { Client, credentials, status } from "@grpc/grpc-js";
import { FieldRulesSchema, field } from "@kratos-ts/kratos/gen/buf/validate/validate_pb.js";
import { http } from "@kratos-ts/kratos/gen/google/api/annotations_pb.js";
import { HttpRuleSchema } from "@kratos-ts/kratos/gen/google/api/http_pb.js";
import { type RunningApp, startApp } from "./support/app.js";
import { call } from "./support/grpc.js";
import { openReflection, type ReflectionStream, type ReflectionVersion, reflectionVersions, registryOf } from "./support/reflection.js";

const greeterFile = "helloworld/v1/greeter.proto";
// Sorted, as the tests compare them: where the greeter's file falls depends on the service's name.
const greeterFiles = [
  "buf/validate/validate.proto",
  "google/api/annotations.proto",
  "google/api/http.proto",
  "google/protobuf/descriptor.proto",
  "google/protobuf/timestamp.proto",
  greeterFile,
].sort();
const names = (files: FileDescriptorProto[]) => files.map((f) => f.name);
const sorted = (list: string[]) => [...list].sort();

describe("gRPC server reflection over a real socket", () => {
  let running: RunningApp;
  const streams: ReflectionStream[] = [];

  before(async () => {
    running = await startApp();
  });

  after(async () => {
    // A stream left open by a failed test would hold the graceful stop up; end them all first.
    await Promise.all(streams.map((s) => s.close()));
    await running.stop();
  });

  const open = (version: ReflectionVersion) => {
    const stream = openReflection(running.grpcAddress, version);
    streams.push(stream);
    return stream;
  };

  for (const { name, version } of reflectionVersions) {
    describe(`grpc.reflection.${name}.ServerReflection`, () => {
      it("lists exactly the served services, sorted", async () => {
        const stream = open(version);
        const res = await stream.ask({ host: "", messageRequest: { case: "listServices", value: "" } });
        assert.equal(res.messageResponse.case, "listServicesResponse");
        assert.deepEqual(
          res.messageResponse.value.service.map((s) => s.name),
          ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", "helloworld.v1.Greeter"].sort(),
        );
        assert.equal((await stream.close()).code, status.OK);
      });

      it("sends the file of helloworld.v1.Greeter as written, with its imports once per stream", async () => {
        const stream = open(version);
        const files = await stream.files({ messageRequest: { case: "fileContainingSymbol", value: "helloworld.v1.Greeter" } });

        const [greeter] = files;
        assert.ok(greeter);
        assert.equal(greeter.name, greeterFile);
        assert.equal(greeter.package, "helloworld.v1");
        assert.equal(greeter.syntax, "proto3");
        assert.deepEqual(greeter.dependency, ["buf/validate/validate.proto", "google/api/annotations.proto", "google/protobuf/timestamp.proto"]);
        assert.deepEqual(
          greeter.service.map((s) => s.name),
          ["Greeter"],
        );
        assert.deepEqual(
          greeter.messageType.map((m) => m.name),
          [
            "HelloRequest",
            "HelloReply",
            "GreeterInfo",
            "GetGreeterRequest",
            "GetGreeterReply",
            "ListGreetersRequest",
            "ListGreetersReply",
            "CreateGreeterRequest",
            "CreateGreeterReply",
            "UpdateGreeterRequest",
            "UpdateGreeterReply",
            "DeleteGreeterRequest",
            "DeleteGreeterReply",
          ],
        );
        assert.deepEqual(sorted(names(files)), greeterFiles, "the file and all its transitive imports, each once");

        const registry = registryOf(files);
        const sayHello = registry.getService("helloworld.v1.Greeter")?.methods.find((m) => m.name === "SayHello");
        assert.ok(sayHello, "the registry has helloworld.v1.Greeter.SayHello");
        assert.equal(hasOption(sayHello, http), true);
        assert.deepEqual(toJson(HttpRuleSchema, getOption(sayHello, http)), { get: "/helloworld/{name}" });
        const rules = Object.fromEntries(
          (registry.getService("helloworld.v1.Greeter")?.methods ?? []).map((m) => [m.name, toJson(HttpRuleSchema, getOption(m, http))]),
        );
        assert.deepEqual(rules, {
          SayHello: { get: "/helloworld/{name}" },
          GetGreeter: { get: "/v1/greeters/{id}" },
          ListGreeters: { get: "/v1/greeters" },
          CreateGreeter: { post: "/v1/greeters", body: "*" },
          UpdateGreeter: { patch: "/v1/greeters/{id}", body: "*" },
          DeleteGreeter: { delete: "/v1/greeters/{id}" },
        });

        // The validation rules come along: a client reads them with the files it was sent.
        const ruleOf = (message: string, name: string) => {
          const f = registry.getMessage(message)?.fields.find((x) => x.name === name);
          assert.ok(f, `the registry has ${message}.${name}`);
          return toJson(FieldRulesSchema, getOption(f, field));
        };
        assert.deepEqual(ruleOf("helloworld.v1.HelloRequest", "name"), { string: { minLen: "1", maxLen: "128" } });
        assert.deepEqual(ruleOf("helloworld.v1.ListGreetersRequest", "page_size"), { int32: { gte: 0, lte: 1000 } });
        assert.deepEqual(ruleOf("helloworld.v1.GetGreeterRequest", "id"), { int64: { gt: "0" } });

        // The client has every file now: asking again sends only the file asked for.
        const again = await stream.files({ messageRequest: { case: "fileContainingSymbol", value: "helloworld.v1.Greeter" } });
        assert.deepEqual(names(again), [greeterFile]);
        const bySymbol = await stream.files({ messageRequest: { case: "fileContainingSymbol", value: "helloworld.v1.HelloReply" } });
        assert.deepEqual(names(bySymbol), [greeterFile]);
        const byName = await stream.files({ messageRequest: { case: "fileByFilename", value: "google/api/http.proto" } });
        assert.deepEqual(names(byName), ["google/api/http.proto"]);
        assert.equal((await stream.close()).code, status.OK);
      });

      it("sends a file by its name, with its imports, on a new stream", async () => {
        const stream = open(version);
        const files = await stream.files({ messageRequest: { case: "fileByFilename", value: greeterFile } });
        assert.equal(files[0]?.name, greeterFile);
        assert.deepEqual(sorted(names(files)), greeterFiles);
        // A method's own symbol finds its file too.
        const byMethod = await stream.files({ messageRequest: { case: "fileContainingSymbol", value: "helloworld.v1.Greeter.SayHello" } });
        assert.deepEqual(names(byMethod), [greeterFile]);
        assert.equal((await stream.close()).code, status.OK);
      });

      it("answers a missing file or symbol with NOT_FOUND naming it, and keeps the stream open", async () => {
        const stream = open(version);
        const missingFile = await stream.ask({ host: "localhost", messageRequest: { case: "fileByFilename", value: "nope/missing.proto" } });
        assert.equal(missingFile.messageResponse.case, "errorResponse");
        assert.equal(missingFile.messageResponse.value.errorCode, status.NOT_FOUND);
        assert.match(missingFile.messageResponse.value.errorMessage, /nope\/missing\.proto/);
        assert.equal(missingFile.validHost, "localhost");
        assert.deepEqual(missingFile.originalRequest?.messageRequest, { case: "fileByFilename", value: "nope/missing.proto" });

        const unknownSymbol = await stream.ask({ messageRequest: { case: "fileContainingSymbol", value: "helloworld.v1.Nope" } });
        assert.equal(unknownSymbol.messageResponse.case, "errorResponse");
        assert.equal(unknownSymbol.messageResponse.value.errorCode, status.NOT_FOUND);
        assert.match(unknownSymbol.messageResponse.value.errorMessage, /helloworld\.v1\.Nope/);

        const unknownExtension = await stream.ask({
          messageRequest: { case: "fileContainingExtension", value: { containingType: "google.protobuf.MethodOptions", extensionNumber: 1 } },
        });
        assert.equal(unknownExtension.messageResponse.case, "errorResponse");
        assert.equal(unknownExtension.messageResponse.value.errorCode, status.NOT_FOUND);
        assert.match(unknownExtension.messageResponse.value.errorMessage, /google\.protobuf\.MethodOptions/);

        const list = await stream.ask({ messageRequest: { case: "listServices", value: "" } });
        assert.equal(list.messageResponse.case, "listServicesResponse");
        assert.equal((await stream.close()).code, status.OK);
      });

      it("reports the extensions of MethodOptions and the file that declares google.api.http", async () => {
        const stream = open(version);
        await stream.files({ messageRequest: { case: "fileContainingSymbol", value: "helloworld.v1.Greeter" } });
        const numbers = await stream.ask({ messageRequest: { case: "allExtensionNumbersOfType", value: "google.protobuf.MethodOptions" } });
        assert.equal(numbers.messageResponse.case, "allExtensionNumbersResponse");
        assert.equal(numbers.messageResponse.value.baseTypeName, "google.protobuf.MethodOptions");
        assert.deepEqual(numbers.messageResponse.value.extensionNumber, [72295728]);

        const ext = { containingType: "google.protobuf.MethodOptions", extensionNumber: 72295728 };
        const declaring = await stream.files({ messageRequest: { case: "fileContainingExtension", value: ext } });
        assert.deepEqual(names(declaring), ["google/api/annotations.proto"]);
        assert.equal((await stream.close()).code, status.OK);

        // On a new stream the file comes with its own imports.
        const fresh = open(version);
        const withImports = await fresh.files({ messageRequest: { case: "fileContainingExtension", value: ext } });
        assert.equal(withImports[0]?.name, "google/api/annotations.proto");
        assert.deepEqual(sorted(names(withImports)), ["google/api/annotations.proto", "google/api/http.proto", "google/protobuf/descriptor.proto"]);
        assert.equal((await fresh.close()).code, status.OK);
      });

      it("resolves google.rpc.ErrorInfo and google.rpc.Status, the error details every failed call carries, and google.rpc.BadRequest", async () => {
        const stream = open(version);
        const info = await stream.files({ messageRequest: { case: "fileContainingSymbol", value: "google.rpc.ErrorInfo" } });
        assert.deepEqual(names(info), ["google/rpc/error_details.proto"]);
        const errorInfo = registryOf(info).getMessage("google.rpc.ErrorInfo");
        assert.deepEqual(
          errorInfo?.fields.map((f) => [f.name, f.number, f.fieldKind]),
          [
            ["reason", 1, "scalar"],
            ["domain", 2, "scalar"],
            ["metadata", 3, "map"],
          ],
        );
        // The detail of a request the validate middleware refused, in the same file.
        assert.deepEqual(
          registryOf(info)
            .getMessage("google.rpc.BadRequest.FieldViolation")
            ?.fields.map((f) => [f.name, f.number, f.fieldKind]),
          [
            ["field", 1, "scalar"],
            ["description", 2, "scalar"],
            ["reason", 3, "scalar"],
          ],
        );

        const statusFiles = await stream.files({ messageRequest: { case: "fileContainingSymbol", value: "google.rpc.Status" } });
        assert.deepEqual(names(statusFiles), ["google/rpc/status.proto", "google/protobuf/any.proto"]);
        const rpcStatus = registryOf(statusFiles).getMessage("google.rpc.Status");
        assert.deepEqual(
          rpcStatus?.fields.map((f) => f.name),
          ["code", "message", "details"],
        );
        assert.equal((await stream.close()).code, status.OK);
      });

      it("lets a client that knows only the address call SayHello, the grpcurl way", async () => {
        const stream = open(version);
        const listed = await stream.ask({ messageRequest: { case: "listServices", value: "" } });
        assert.equal(listed.messageResponse.case, "listServicesResponse");
        const services = listed.messageResponse.value.service.map((s) => s.name).filter((s) => !s.startsWith("grpc."));
        assert.deepEqual(services, ["helloworld.v1.Greeter"]);
        const [serviceName] = services as [string];

        const registry = registryOf(await stream.files({ messageRequest: { case: "fileContainingSymbol", value: serviceName } }));
        assert.equal((await stream.close()).code, status.OK);
        const service = registry.getService(serviceName);
        assert.ok(service, `the registry has ${serviceName}`);
        const method = service.methods.find((m) => m.name === "SayHello");
        assert.ok(method, "the service has SayHello");
        assert.equal(method.methodKind, "unary");
        assert.equal(method.input.typeName, "helloworld.v1.HelloRequest");
        assert.equal(method.output.typeName, "helloworld.v1.HelloReply");

        const client = new Client(running.grpcAddress, credentials.createInsecure());
        try {
          const reply = await call<Message>((cb) =>
            client.makeUnaryRequest(
              `/${service.typeName}/${method.name}`,
              (m: Message) => Buffer.from(toBinary(method.input, m)),
              (b: Buffer) => fromBinary(method.output, b),
              create(method.input, { name: "kratos" }),
              cb,
            ),
          );
          assert.equal(reply.$typeName, "helloworld.v1.HelloReply");
          assert.deepEqual(toJson(method.output, reply), { message: "Hello kratos" });
        } finally {
          client.close();
        }
      });
    });
  }
});
