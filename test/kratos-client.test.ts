import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type RunningApp, startApp } from "./support/app.js";
import { findTool, runTool, type ToolResult } from "./support/tools.js";

/** The Kratos Go client that make tools builds from test/kratosclient into <repo>/.tools/bin. */
const clientPath = findTool("kratos-client");
const haveClient = clientPath !== undefined;
if (!haveClient) console.log("notice: kratos-client not built (no Go on this machine, or make tools not run); skipping the Kratos Go client end-to-end test");

/** kratosClient runs the Go client for one mode against the app and resolves with its exit code and output, whatever the code. */
function kratosClient(running: RunningApp, mode: string): Promise<ToolResult> {
  if (!clientPath) throw new Error("kratos-client is not built");
  return runTool(clientPath, ["-http", new URL(running.httpURL).host, "-grpc", running.grpcAddress, "-name", "kratos", "-mode", mode], 10_000);
}

describe("the Kratos Go clients against the running app", { skip: haveClient ? false : "kratos-client not built: no Go on this machine" }, () => {
  let running: RunningApp;

  before(async () => {
    running = await startApp();
  });

  after(async () => {
    await running?.stop();
  });

  it("transport/http decodes GET /helloworld/{name} as JSON", async () => {
    assert.deepEqual(await kratosClient(running, "http-json"), { code: 0, stdout: "http-json: Hello kratos\n", stderr: "" });
  });

  it("transport/http asks for application/proto and decodes the reply with the codec named by the response Content-Type", async () => {
    assert.deepEqual(await kratosClient(running, "http-proto"), { code: 0, stdout: "http-proto: Hello kratos\n", stderr: "" });
  });

  it("transport/http decodes the Kratos error body of an unknown route into errors.Error", async () => {
    assert.deepEqual(await kratosClient(running, "http-error"), { code: 0, stdout: "http-error: 404 NOT_FOUND\n", stderr: "" });
  });

  it("transport/grpc calls helloworld.v1.Greeter/SayHello", async () => {
    assert.deepEqual(await kratosClient(running, "grpc"), { code: 0, stdout: "grpc: Hello kratos\n", stderr: "" });
  });
});
