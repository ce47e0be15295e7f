import "reflect-metadata";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type RunningApp, startApp } from "./support/app.js";
import { repoRoot } from "./support/repo.js";

/** The Kratos Go client that make tools builds from test/kratosclient into <repo>/.tools/bin. */
const clientPath = join(repoRoot(), ".tools", "bin", "kratos-client");

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const haveClient = executable(clientPath);
if (!haveClient) console.log("notice: kratos-client not built (no Go on this machine, or make tools not run); skipping the Kratos Go client end-to-end test");

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** kratosClient runs the Go client for one mode against the app and resolves with its exit code and output, whatever the code. */
function kratosClient(running: RunningApp, mode: string): Promise<Result> {
  const args = ["-http", new URL(running.httpURL).host, "-grpc", running.grpcAddress, "-name", "kratos", "-mode", mode];
  return new Promise((resolve, reject) => {
    execFile(clientPath, args, { timeout: 10_000, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err && typeof err.code !== "number") reject(Object.assign(err, { stdout, stderr }));
      else resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
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
