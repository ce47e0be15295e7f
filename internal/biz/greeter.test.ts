import "reflect-metadata";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LOGGER, newLogger } from "@kratos-ts/kratos/log";
import { LogCapture, testContext } from "@kratos-ts/kratos/testing";
import { container } from "tsyringe";
import { isGreeterAlreadyExists, isUserNotFound } from "../../api/helloworld/v1/error_reason_errors.js";
import {
  ErrGreeterAlreadyExists,
  ErrUserNotFound,
  GREETER_REPO,
  type Greeter,
  type GreeterRepo,
  GreeterUsecase,
  type Page,
  type PageRequest,
} from "./greeter.js";

const at = new Date(0);
const greeter = (id: number, hello: string, greetCount: number): Greeter => ({ id, hello, greetCount, createdAt: at, updatedAt: at });

class FakeRepo implements GreeterRepo {
  saved: string[] = [];
  /** Every call but save's, as [method, ...arguments after ctx]. */
  calls: unknown[][] = [];
  async save(_ctx: unknown, hello: string) {
    this.saved.push(hello);
    return greeter(7, hello, this.saved.filter((h) => h === hello).length);
  }
  async create(_ctx: unknown, hello: string) {
    this.calls.push(["create", hello]);
    return greeter(8, hello, 0);
  }
  async update(_ctx: unknown, id: number, hello: string) {
    this.calls.push(["update", id, hello]);
    return greeter(id, hello, 0);
  }
  async findByID(_ctx: unknown, id: number): Promise<Greeter> {
    this.calls.push(["findByID", id]);
    if (id === 3) return greeter(3, "found", 2);
    throw ErrUserNotFound;
  }
  async listByHello(_ctx: unknown, hello: string, page: PageRequest): Promise<Page> {
    this.calls.push(["listByHello", hello, page]);
    return { greeters: [greeter(4, hello, 1)], more: false };
  }
  async listAll(_ctx: unknown, page: PageRequest): Promise<Page> {
    this.calls.push(["listAll", page]);
    return { greeters: [greeter(5, "a", 0), greeter(6, "b", 0)], more: true };
  }
  async delete(_ctx: unknown, id: number): Promise<void> {
    this.calls.push(["delete", id]);
    if (id !== 3) throw ErrUserNotFound;
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

  it("gets a greeter by id through the repo, and passes its ErrUserNotFound through", async () => {
    const { uc, repo, logs } = wire();
    assert.deepEqual(await uc.getGreeter(testContext(), 3), greeter(3, "found", 2));
    await assert.rejects(uc.getGreeter(testContext(), 9), (err) => err === ErrUserNotFound);
    assert.deepEqual(repo.calls, [
      ["findByID", 3],
      ["findByID", 9],
    ]);
    assert.deepEqual(logs.messages(), []);
  });

  it("lists all greeters for an empty hello and those with the hello otherwise, with the page as given", async () => {
    const { uc, repo } = wire();
    assert.deepEqual(await uc.listGreeters(testContext(), "", { size: 2, after: 0 }), { greeters: [greeter(5, "a", 0), greeter(6, "b", 0)], more: true });
    assert.deepEqual(await uc.listGreeters(testContext(), "kratos", { size: 50, after: 6 }), { greeters: [greeter(4, "kratos", 1)], more: false });
    assert.deepEqual(repo.calls, [
      ["listAll", { size: 2, after: 0 }],
      ["listByHello", "kratos", { size: 50, after: 6 }],
    ]);
  });

  it("adds, updates and deletes greeters through the repo, logging each change", async () => {
    const { uc, repo, logs } = wire();
    assert.deepEqual(await uc.addGreeter(testContext(), "new"), greeter(8, "new", 0));
    assert.deepEqual(await uc.updateGreeter(testContext(), 8, "renamed"), greeter(8, "renamed", 0));
    assert.equal(await uc.deleteGreeter(testContext(), 3), undefined);
    assert.deepEqual(repo.calls, [
      ["create", "new"],
      ["update", 8, "renamed"],
      ["delete", 3],
    ]);
    assert.deepEqual(repo.saved, [], "adding a greeter does not greet it");
    assert.deepEqual(logs.messages(), ["AddGreeter: new", "UpdateGreeter: 8 renamed", "DeleteGreeter: 3"]);
  });

  it("passes the repo's ErrGreeterAlreadyExists and ErrUserNotFound through the changes unchanged", async () => {
    const { uc, repo } = wire();
    const taken = ErrGreeterAlreadyExists.withCause(new Error("UNIQUE constraint failed"));
    repo.create = async () => {
      throw taken;
    };
    repo.update = async () => {
      throw taken;
    };
    await assert.rejects(uc.addGreeter(testContext(), "x"), (err) => err === taken);
    await assert.rejects(uc.updateGreeter(testContext(), 1, "x"), (err) => err === taken);
    await assert.rejects(uc.deleteGreeter(testContext(), 9), (err) => err === ErrUserNotFound);
  });

  it("declares its errors with the codes and reasons of the generated helpers", () => {
    assert.deepEqual(ErrUserNotFound.toStatus(), { code: 404, reason: "USER_NOT_FOUND", message: "user not found", metadata: {} });
    assert.deepEqual(ErrGreeterAlreadyExists.toStatus(), { code: 409, reason: "GREETER_ALREADY_EXISTS", message: "greeter already exists", metadata: {} });
    assert.equal(isUserNotFound(ErrUserNotFound), true);
    assert.equal(isGreeterAlreadyExists(ErrGreeterAlreadyExists), true);
    assert.equal(isUserNotFound(new Error("user not found")), false);
  });
});
