import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { newLogger } from "@kratos-ts/kratos/log";
import { LogCapture } from "@kratos-ts/kratos/testing";
import { type RunningApp, startApp } from "./support/app.js";
import { type EchoServers, startEchoServers } from "./support/echo.js";
import { findTool, runTool, type ToolResult } from "./support/tools.js";

/** The grpcurl that make tools installs in <repo>/.tools/bin, else one on PATH. */
const grpcurlPath = findTool("grpcurl", { onPath: true });
if (!grpcurlPath) console.log("notice: grpcurl not installed (no Go on this machine); skipping the grpcurl end-to-end test");

/** grpcurl runs the real binary in plaintext and resolves with its exit code and output, whatever the code. */
function grpcurl(...args: string[]): Promise<ToolResult> {
  if (!grpcurlPath) return Promise.reject(new Error("grpcurl is not installed"));
  return runTool(grpcurlPath, ["-plaintext", ...args], 5_000);
}

const skip = grpcurlPath ? false : "grpcurl not installed: no Go on this machine";

describe("grpcurl against the running app", { skip }, () => {
  let running: RunningApp;

  before(async () => {
    running = await startApp();
  });

  after(async () => {
    await running?.stop();
  });

  it("lists the services through reflection", async () => {
    assert.deepEqual(await grpcurl(running.grpcAddress, "list"), {
      code: 0,
      stdout: `${["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", "helloworld.v1.Greeter"].sort().join("\n")}\n`,
      stderr: "",
    });
  });

  it("calls SayHello with a JSON body it encodes from the reflected descriptors", async () => {
    assert.deepEqual(await grpcurl("-d", '{"name":"kratos"}', running.grpcAddress, "helloworld.v1.Greeter/SayHello"), {
      code: 0,
      stdout: '{\n  "message": "Hello kratos"\n}\n',
      stderr: "",
    });
  });

  it("prints the ErrorInfo and the google.rpc.BadRequest of a request the validator refuses, resolved through reflection", async () => {
    assert.deepEqual(await grpcurl("-d", '{"name":""}', running.grpcAddress, "helloworld.v1.Greeter/SayHello"), {
      code: 67,
      stdout: "",
      stderr: [
        "ERROR:",
        "  Code: InvalidArgument",
        "  Message: invalid HelloRequest.name: must be at least 1 characters",
        "  Details:",
        "  1)\t{",
        '    \t  "@type": "type.googleapis.com/google.rpc.ErrorInfo",',
        '    \t  "reason": "VALIDATOR"',
        "    \t}",
        "  2)\t{",
        '    \t  "@type": "type.googleapis.com/google.rpc.BadRequest",',
        '    \t  "fieldViolations": [',
        "    \t    {",
        '    \t      "field": "name",',
        '    \t      "description": "must be at least 1 characters",',
        '    \t      "reason": "string.min_len"',
        "    \t    }",
        "    \t  ]",
        "    \t}",
        "",
      ].join("\n"),
    });
  });

  it("describes the Greeter with its google.api.http option", async () => {
    assert.deepEqual(await grpcurl(running.grpcAddress, "describe", "helloworld.v1.Greeter"), {
      code: 0,
      stdout: [
        "helloworld.v1.Greeter is a service:",
        "service Greeter {",
        "  rpc CreateGreeter ( .helloworld.v1.CreateGreeterRequest ) returns ( .helloworld.v1.CreateGreeterReply ) {",
        '    option (.google.api.http) = { post: "/v1/greeters", body: "*" };',
        "  }",
        "  rpc DeleteGreeter ( .helloworld.v1.DeleteGreeterRequest ) returns ( .helloworld.v1.DeleteGreeterReply ) {",
        '    option (.google.api.http) = { delete: "/v1/greeters/{id}" };',
        "  }",
        "  rpc GetGreeter ( .helloworld.v1.GetGreeterRequest ) returns ( .helloworld.v1.GetGreeterReply ) {",
        '    option (.google.api.http) = { get: "/v1/greeters/{id}" };',
        "  }",
        "  rpc ListGreeters ( .helloworld.v1.ListGreetersRequest ) returns ( .helloworld.v1.ListGreetersReply ) {",
        '    option (.google.api.http) = { get: "/v1/greeters" };',
        "  }",
        "  rpc SayHello ( .helloworld.v1.HelloRequest ) returns ( .helloworld.v1.HelloReply ) {",
        '    option (.google.api.http) = { get: "/helloworld/{name}" };',
        "  }",
        "  rpc UpdateGreeter ( .helloworld.v1.UpdateGreeterRequest ) returns ( .helloworld.v1.UpdateGreeterReply ) {",
        '    option (.google.api.http) = { patch: "/v1/greeters/{id}", body: "*" };',
        "  }",
        "}",
        "",
      ].join("\n"),
      stderr: "",
    });
  });

  it("checks the server's health", async () => {
    assert.deepEqual(await grpcurl(running.grpcAddress, "grpc.health.v1.Health/Check"), {
      code: 0,
      stdout: '{\n  "status": "SERVING"\n}\n',
      stderr: "",
    });
  });

  it("reports NOT_FOUND for the health of an unknown service, with grpcurl's exit code 64+5", async () => {
    assert.deepEqual(await grpcurl("-d", '{"service":"nope"}', running.grpcAddress, "grpc.health.v1.Health/Check"), {
      code: 69,
      stdout: "",
      stderr: "ERROR:\n  Code: NotFound\n  Message: unknown service\n",
    });
  });
});

describe("grpcurl reading the error details of the Echo service", { skip }, () => {
  let s: EchoServers;

  before(async () => {
    s = await startEchoServers(newLogger({ id: "t", name: "echo", version: "t", destination: new LogCapture() }));
  });

  after(async () => {
    await s?.stop();
  });

  it("describes google.rpc.ErrorInfo, which reflection serves without listing it", async () => {
    assert.deepEqual(await grpcurl(s.grpcAddress, "describe", "google.rpc.ErrorInfo"), {
      code: 0,
      stdout: [
        "google.rpc.ErrorInfo is a message:",
        "message ErrorInfo {",
        "  string reason = 1;",
        "  string domain = 2;",
        "  map<string, string> metadata = 3;",
        "}",
        "",
      ].join("\n"),
      stderr: "",
    });
    assert.deepEqual(await grpcurl(s.grpcAddress, "list"), {
      code: 0,
      stdout: "echo.v1.Echo\ngrpc.health.v1.Health\ngrpc.reflection.v1.ServerReflection\ngrpc.reflection.v1alpha.ServerReflection\n",
      stderr: "",
    });
  });

  it("prints the reason and metadata of a KratosError from its ErrorInfo detail", async () => {
    assert.deepEqual(await grpcurl("-d", '{"mode":"error"}', s.grpcAddress, "echo.v1.Echo/Fail"), {
      code: 69,
      stdout: "",
      stderr: [
        "ERROR:",
        "  Code: NotFound",
        "  Message: user not found",
        "  Details:",
        "  1)\t{",
        '    \t  "@type": "type.googleapis.com/google.rpc.ErrorInfo",',
        '    \t  "metadata": {',
        '    \t    "user": "kratos"',
        "    \t  },",
        '    \t  "reason": "USER_NOT_FOUND"',
        "    \t}",
        "",
      ].join("\n"),
    });
  });
});
