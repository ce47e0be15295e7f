import "reflect-metadata";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LOGGER, newLogger } from "@kratos-ts/kratos/log";
import { LogCapture, testContext } from "@kratos-ts/kratos/testing";
import { container } from "tsyringe";
import { isGreeterAlreadyExists, isUserNotFound } from "../../api/helloworld/v1/error_reason_errors.js";
import { ErrGreeterAlreadyExists, ErrUserNotFound, GREETER_REPO, type Greeter, type GreeterRepo, GreeterUsecase, type Page } from "./greeter.js";

const at = new Date(0);
const greeter = (id: number, hello: string, greetCount: number): Greeter => ({ id, hello, greetCount, createdAt: at, updatedAt: at });

class FakeRepo implements GreeterRepo {
  saved: string[] = [];
  async save(_ctx: unknown, hello: string) {
    this.saved.push(hello);
    return greeter(7, hello, this.saved.filter((h) => h === hello).length);
  }
  async create(_ctx: unknown, hello: string) {
    return greeter(8, hello, 0);
  }
  async update(_ctx: unknown, id: number, hello: string) {
    return greeter(id, hello, 0);
  }
  async findByID(): Promise<Greeter> {
    throw ErrUserNotFound;
  }
  async listByHello(): Promise<Page> {
    return { greeters: [], more: false };
  }
  async listAll(): Promise<Page> {
    return { greeters: [], more: false };
  }
  async delete(): Promise<void> {}
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

  it("logs CreateGreeter: <name> and counts the greeting through the repo", async () => {
    const { uc, repo, logs } = wire();
    assert.deepEqual(await uc.createGreeter(testContext(), "kratos"), greeter(7, "kratos", 1));
    assert.deepEqual(await uc.createGreeter(testContext(), "kratos"), greeter(7, "kratos", 2));
    assert.deepEqual(repo.saved, ["kratos", "kratos"]);
    assert.deepEqual(logs.messages(), ["CreateGreeter: kratos", "CreateGreeter: kratos"]);
    assert.equal(logs.lines[0]?.level, "INFO");
  });

  it("passes repo errors through unchanged", async () => {
    const { uc, repo } = wire();
    repo.save = async () => {
      throw ErrUserNotFound;
    };
    await assert.rejects(uc.createGreeter(testContext(), "x"), (err) => err === ErrUserNotFound);
  });

  it("declares its errors with the codes and reasons of the generated helpers", () => {
    assert.deepEqual(ErrUserNotFound.toStatus(), { code: 404, reason: "USER_NOT_FOUND", message: "user not found", metadata: {} });
    assert.deepEqual(ErrGreeterAlreadyExists.toStatus(), { code: 409, reason: "GREETER_ALREADY_EXISTS", message: "greeter already exists", metadata: {} });
    assert.equal(isUserNotFound(ErrUserNotFound), true);
    assert.equal(isGreeterAlreadyExists(ErrGreeterAlreadyExists), true);
    assert.equal(isUserNotFound(new Error("user not found")), false);
  });
});
