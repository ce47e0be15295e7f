import "reflect-metadata";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { testContext } from "@kratos-ts/kratos/testing";
import { container } from "tsyringe";
import { HelloRequestSchema } from "../../api/helloworld/v1/greeter_pb.js";
import { ErrUserNotFound, type Greeter, GreeterUsecase } from "../biz/greeter.js";
import { GreeterService } from "./greeter.js";

describe("GreeterService", () => {
  function wire(createGreeter: (ctx: unknown, hello: string) => Promise<Greeter>) {
    const c = container.createChildContainer();
    const calls: string[] = [];
    const uc: Pick<GreeterUsecase, "createGreeter"> = {
      createGreeter: (ctx, hello) => {
        calls.push(hello);
        return createGreeter(ctx, hello);
      },
    };
    c.register(GreeterUsecase, { useValue: uc as GreeterUsecase });
    return { svc: c.resolve(GreeterService), calls };
  }

  it("turns a HelloRequest into a biz Greeter and the result into a HelloReply", async () => {
    const at = new Date(0);
    const { svc, calls } = wire(async (_ctx, hello) => ({ id: 1, hello: hello.toUpperCase(), greetCount: 1, createdAt: at, updatedAt: at }));
    const reply = await svc.sayHello(testContext(), create(HelloRequestSchema, { name: "kratos" }));
    assert.deepEqual(calls, ["kratos"]);
    assert.equal(reply.$typeName, "helloworld.v1.HelloReply");
    assert.equal(reply.message, "Hello KRATOS");
  });

  it("returns the usecase's error unchanged", async () => {
    const { svc } = wire(async () => {
      throw ErrUserNotFound;
    });
    await assert.rejects(svc.sayHello(testContext(), create(HelloRequestSchema, { name: "x" })), (err) => err === ErrUserNotFound);
  });
});
