import "reflect-metadata";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LOGGER, newLogger } from "@kratos-ts/kratos/log";
import { LogCapture, testContext } from "@kratos-ts/kratos/testing";
import { container } from "tsyringe";
import { isUserNotFound } from "../../api/helloworld/v1/error_reason_errors.js";
import { ErrUserNotFound, GREETER_REPO, type Greeter, type GreeterRepo, GreeterUsecase } from "./greeter.js";

class FakeRepo implements GreeterRepo {
  saved: Greeter[] = [];
  async save(_ctx: unknown, g: Greeter) {
    this.saved.push(g);
    return { ...g, id: 7 };
  }
  async update(_ctx: unknown, g: Greeter) {
    return g;
  }
  async findByID(): Promise<Greeter> {
    throw ErrUserNotFound;
  }
  async listByHello() {
    return [];
  }
  async listAll() {
    return this.saved;
  }
}

describe("GreeterUsecase", () => {
  function wire() {
    const c = container.createChildContainer();
    const repo = new FakeRepo();
    const logs = new LogCapture();
    c.register(GREETER_REPO, { useValue: repo });
    c.register(LOGGER, { useValue: newLogger({ id: "t", name: "t", version: "t", destination: logs }) });
    return { uc: c.resolve(GreeterUsecase), repo, logs };
  }

  it("logs CreateGreeter: <name> and saves through the repo", async () => {
    const { uc, repo, logs } = wire();
    const g = await uc.createGreeter(testContext(), { hello: "kratos" });
    assert.deepEqual(g, { hello: "kratos", id: 7 });
    assert.deepEqual(repo.saved, [{ hello: "kratos" }]);
    assert.deepEqual(logs.messages(), ["CreateGreeter: kratos"]);
    assert.equal(logs.lines[0]?.level, "INFO");
  });

  it("passes repo errors through unchanged", async () => {
    const { uc, repo } = wire();
    repo.save = async () => {
      throw ErrUserNotFound;
    };
    await assert.rejects(uc.createGreeter(testContext(), { hello: "x" }), (err) => err === ErrUserNotFound);
  });

  it("declares ErrUserNotFound as 404 USER_NOT_FOUND from the generated helpers", () => {
    assert.deepEqual(ErrUserNotFound.toStatus(), { code: 404, reason: "USER_NOT_FOUND", message: "user not found", metadata: {} });
    assert.equal(isUserNotFound(ErrUserNotFound), true);
    assert.equal(isUserNotFound(new Error("user not found")), false);
  });
});
