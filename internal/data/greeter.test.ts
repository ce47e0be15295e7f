import "reflect-metadata";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LOGGER, newLogger } from "@kratos-ts/kratos/log";
import { LogCapture, testContext } from "@kratos-ts/kratos/testing";
import { container } from "tsyringe";
import { ErrUserNotFound, GREETER_REPO, type GreeterRepo } from "../biz/greeter.js";
import { Bootstrap, DATA_CONF } from "../conf/conf.js";
import { Data } from "./data.js";
import { dataProviders } from "./providers.js";

describe("the data layer", () => {
  function wire() {
    const c = container.createChildContainer();
    const logs = new LogCapture();
    c.register(DATA_CONF, { useValue: Bootstrap.parse({}).data });
    c.register(LOGGER, { useValue: newLogger({ id: "t", name: "t", version: "t", destination: logs }) });
    dataProviders(c);
    return { repo: c.resolve<GreeterRepo>(GREETER_REPO), data: c.resolve(Data), logs };
  }
  const ctx = testContext();

  it("binds biz's GreeterRepo token to one shared store", () => {
    const c = container.createChildContainer();
    c.register(DATA_CONF, { useValue: Bootstrap.parse({}).data });
    c.register(LOGGER, { useValue: newLogger({ id: "t", name: "t", version: "t", destination: new LogCapture() }) });
    dataProviders(c);
    assert.equal(c.resolve(GREETER_REPO), c.resolve(GREETER_REPO));
  });

  it("saves, finds, updates and lists greeters", async () => {
    const { repo } = wire();
    const a = await repo.save(ctx, { hello: "a" });
    const b = await repo.save(ctx, { hello: "b" });
    await repo.save(ctx, { hello: "a" });
    assert.deepEqual(
      [a, b],
      [
        { hello: "a", id: 1 },
        { hello: "b", id: 2 },
      ],
    );
    assert.deepEqual(await repo.findByID(ctx, 2), { hello: "b", id: 2 });
    assert.deepEqual(await repo.update(ctx, { id: 2, hello: "c" }), { id: 2, hello: "c" });
    assert.deepEqual(await repo.listByHello(ctx, "a"), [
      { hello: "a", id: 1 },
      { hello: "a", id: 3 },
    ]);
    assert.deepEqual(
      (await repo.listAll(ctx)).map((g) => g.hello),
      ["a", "c", "a"],
    );
  });

  it("answers a missing greeter with ErrUserNotFound", async () => {
    const { repo } = wire();
    await assert.rejects(repo.findByID(ctx, 99), (err) => err === ErrUserNotFound);
    await assert.rejects(repo.update(ctx, { id: 99, hello: "x" }), (err) => err === ErrUserNotFound);
  });

  it("hands out copies, so callers cannot change what is stored", async () => {
    const { repo } = wire();
    const g = await repo.save(ctx, { hello: "a" });
    g.hello = "changed";
    assert.equal((await repo.findByID(ctx, 1)).hello, "a");
  });

  it("logs closing the data resources on close", async () => {
    const { data, logs } = wire();
    await data.close();
    assert.deepEqual(logs.messages(), ["closing the data resources"]);
  });
});
