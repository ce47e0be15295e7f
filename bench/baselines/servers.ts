import type { Server as HTTPServer } from "node:http";
import { fileURLToPath } from "node:url";
import { loadPackageDefinition, Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import express from "express";

/**
 * The bare servers the benchmark compares the service with, as a team writes them with the libraries alone:
 * express with res.json, and grpc-js with proto-loader, serving SayHello and nothing else.
 */

/** bareExpress serves GET /helloworld/:name with express 5's res.json, on port; it resolves once listening. */
export function bareExpress(port: number): Promise<HTTPServer> {
  const app = express();
  app.get("/helloworld/:name", (req, res) => {
    res.json({ message: `Hello ${req.params.name}` });
  });
  return new Promise((resolve, reject) => {
    const server = app.listen(port, "127.0.0.1", (err) => (err ? reject(err) : resolve(server)));
  });
}

interface HelloRequest {
  name: string;
}

/** bareGrpc serves helloworld.v1.Greeter/SayHello with grpc-js and proto-loader, on port; it resolves once listening. */
export function bareGrpc(port: number): Promise<Server> {
  const proto = fileURLToPath(new URL("../../../bench/baselines/helloworld.proto", import.meta.url));
  const pkg = loadPackageDefinition(loadSync(proto)) as unknown as { helloworld: { v1: { Greeter: { service: never } } } };
  const server = new Server();
  server.addService(pkg.helloworld.v1.Greeter.service, {
    sayHello: (call: ServerUnaryCall<HelloRequest, unknown>, callback: sendUnaryData<unknown>) => callback(null, { message: `Hello ${call.request.name}` }),
  });
  return new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve(server))),
  );
}
