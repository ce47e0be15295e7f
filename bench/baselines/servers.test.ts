import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { credentials } from "@grpc/grpc-js";
import { GreeterClient } from "../../api/helloworld/v1/greeter_grpc.js";
import { HelloRequestSchema } from "../../api/helloworld/v1/greeter_pb.js";
import { freePort } from "../../test/support/pinned.js";
import { bareExpress, bareGrpc } from "./servers.js";

// The baselines must answer exactly as the service does, or loadgen would count none of their answers.
describe("the bench's bare servers", () => {
  it("bare express answers GET /helloworld/{name} with the service's exact body", async () => {
    const port = await freePort();
    const server = await bareExpress(port);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/helloworld/kratos`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), '{"message":"Hello kratos"}');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("bare grpc-js answers helloworld.v1.Greeter/SayHello, called by the service's generated client", async () => {
    const port = await freePort();
    const server = await bareGrpc(port);
    const client = new GreeterClient(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const reply = await new Promise((resolve, reject) =>
        client.sayHello(create(HelloRequestSchema, { name: "kratos" }), (err, r) => (err ? reject(err) : resolve(r?.message))),
      );
      assert.equal(reply, "Hello kratos");
    } finally {
      client.close();
      server.forceShutdown();
    }
  });
});
