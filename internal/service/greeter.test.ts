import "reflect-metadata";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, toJson } from "@bufbuild/protobuf";
import { testContext } from "@kratos-ts/kratos/testing";
import { container } from "tsyringe";
import { isInvalidPageToken } from "../../api/helloworld/v1/error_reason_errors.js";
import {
  CreateGreeterReplySchema,
  CreateGreeterRequestSchema,
  DeleteGreeterRequestSchema,
  GetGreeterReplySchema,
  GetGreeterRequestSchema,
  HelloRequestSchema,
  ListGreetersReplySchema,
  ListGreetersRequestSchema,
  UpdateGreeterReplySchema,
  UpdateGreeterRequestSchema,
} from "../../api/helloworld/v1/greeter_pb.js";
import { ErrGreeterAlreadyExists, ErrUserNotFound, type Greeter, GreeterUsecase, type Page, type PageRequest } from "../biz/greeter.js";
import { GreeterService } from "./greeter.js";
import { encodePageToken } from "./pagetoken.js";

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

  describe("the greeter RPCs", () => {
    // The proto3 JSON the HTTP server writes: unpopulated fields too.
    const wire = { alwaysEmitImplicit: true };
    const created = new Date("2025-06-01T10:00:00.123Z");
    const updated = new Date("2025-06-02T11:30:00.000Z");
    const greeter = (id: number, hello: string, greetCount = 0): Greeter => ({ id, hello, greetCount, createdAt: created, updatedAt: updated });
    const json = (id: number, hello: string, greetCount = 0) => ({
      id: String(id),
      hello,
      greetCount: String(greetCount),
      createTime: "2025-06-01T10:00:00.123Z",
      updateTime: "2025-06-02T11:30:00Z",
    });

    /** A fake usecase: each method records its arguments after ctx and answers from the given page or greeter. */
    function wireRPCs(page: Page = { greeters: [], more: false }) {
      const calls: unknown[][] = [];
      const uc: Pick<GreeterUsecase, "getGreeter" | "listGreeters" | "addGreeter" | "updateGreeter" | "deleteGreeter"> = {
        getGreeter: async (_ctx, id) => {
          calls.push(["getGreeter", id]);
          if (id !== 3) throw ErrUserNotFound;
          return greeter(3, "kratos", 2);
        },
        listGreeters: async (_ctx, hello: string, p: PageRequest) => {
          calls.push(["listGreeters", hello, p]);
          return page;
        },
        addGreeter: async (_ctx, hello) => {
          calls.push(["addGreeter", hello]);
          if (hello === "taken") throw ErrGreeterAlreadyExists;
          return greeter(8, hello);
        },
        updateGreeter: async (_ctx, id, hello) => {
          calls.push(["updateGreeter", id, hello]);
          return greeter(id, hello, 5);
        },
        deleteGreeter: async (_ctx, id) => {
          calls.push(["deleteGreeter", id]);
        },
      };
      const c = container.createChildContainer();
      c.register(GreeterUsecase, { useValue: uc as GreeterUsecase });
      return { svc: c.resolve(GreeterService), calls };
    }

    it("GetGreeter answers the greeter with int64s as JSON strings and the times as Timestamps", async () => {
      const { svc, calls } = wireRPCs();
      const reply = await svc.getGreeter(testContext(), create(GetGreeterRequestSchema, { id: 3n }));
      assert.deepEqual(calls, [["getGreeter", 3]]);
      assert.deepEqual(toJson(GetGreeterReplySchema, reply, wire), { greeter: json(3, "kratos", 2) });
      assert.equal(reply.greeter?.createTime?.nanos, 123_000_000);
    });

    it("GetGreeter passes the usecase's ErrUserNotFound through", async () => {
      const { svc } = wireRPCs();
      await assert.rejects(svc.getGreeter(testContext(), create(GetGreeterRequestSchema, { id: 4n })), (err) => err === ErrUserNotFound);
    });

    it("answers ErrUserNotFound for an id past 2^53 - 1, which no greeter can have, without asking the usecase", async () => {
      // An id below 1 never gets here: the validate middleware refuses it (test/validation.test.ts).
      const { svc, calls } = wireRPCs();
      for (const id of [9007199254740992n, 9223372036854775807n]) {
        await assert.rejects(svc.getGreeter(testContext(), create(GetGreeterRequestSchema, { id })), (err) => err === ErrUserNotFound, String(id));
        await assert.rejects(svc.deleteGreeter(testContext(), create(DeleteGreeterRequestSchema, { id })), (err) => err === ErrUserNotFound, String(id));
        await assert.rejects(
          svc.updateGreeter(testContext(), create(UpdateGreeterRequestSchema, { id, hello: "x" })),
          (err) => err === ErrUserNotFound,
          String(id),
        );
      }
      assert.deepEqual(calls, []);
    });

    it("ListGreeters asks for 50 greeters from the start when the request sets no page", async () => {
      const { svc, calls } = wireRPCs({ greeters: [greeter(1, "a"), greeter(2, "b", 4)], more: false });
      const reply = await svc.listGreeters(testContext(), create(ListGreetersRequestSchema, {}));
      assert.deepEqual(calls, [["listGreeters", "", { size: 50, after: 0 }]]);
      assert.deepEqual(toJson(ListGreetersReplySchema, reply, wire), { greeters: [json(1, "a"), json(2, "b", 4)], nextPageToken: "" });
    });

    it("ListGreeters passes the hello and a page_size from 1 to 1000 as they are, and reads page_size 0 as the default", async () => {
      // A page_size outside 0 to 1000 never gets here: the validate middleware refuses it (test/validation.test.ts).
      const { svc, calls } = wireRPCs();
      for (const pageSize of [1, 7, 1000, 0]) {
        await svc.listGreeters(testContext(), create(ListGreetersRequestSchema, { hello: "kratos", pageSize }));
      }
      assert.deepEqual(
        calls.map((c) => c[2]),
        [1, 7, 1000, 50].map((size) => ({ size, after: 0 })),
      );
      assert.ok(calls.every((c) => c[1] === "kratos"));
    });

    it("ListGreeters starts after the id the page_token holds, and gives the last id's token while more follow", async () => {
      const { svc, calls } = wireRPCs({ greeters: [greeter(11, "a"), greeter(12, "b")], more: true });
      const reply = await svc.listGreeters(testContext(), create(ListGreetersRequestSchema, { pageSize: 2, pageToken: encodePageToken(10) }));
      assert.deepEqual(calls, [["listGreeters", "", { size: 2, after: 10 }]]);
      assert.equal(reply.nextPageToken, encodePageToken(12));
    });

    it("ListGreeters refuses a malformed page_token with INVALID_PAGE_TOKEN, without asking the usecase", async () => {
      const { svc, calls } = wireRPCs();
      await assert.rejects(svc.listGreeters(testContext(), create(ListGreetersRequestSchema, { pageToken: "bogus!" })), (err) => isInvalidPageToken(err));
      assert.deepEqual(calls, []);
    });

    it("CreateGreeter adds a greeter through addGreeter and answers it", async () => {
      const { svc, calls } = wireRPCs();
      const reply = await svc.createGreeter(testContext(), create(CreateGreeterRequestSchema, { hello: "new" }));
      assert.deepEqual(calls, [["addGreeter", "new"]]);
      assert.deepEqual(toJson(CreateGreeterReplySchema, reply, wire), { greeter: json(8, "new") });
    });

    it("CreateGreeter passes ErrGreeterAlreadyExists through", async () => {
      const { svc } = wireRPCs();
      await assert.rejects(svc.createGreeter(testContext(), create(CreateGreeterRequestSchema, { hello: "taken" })), (err) => err === ErrGreeterAlreadyExists);
    });

    it("UpdateGreeter changes the hello of the id and answers the greeter", async () => {
      const { svc, calls } = wireRPCs();
      const reply = await svc.updateGreeter(testContext(), create(UpdateGreeterRequestSchema, { id: 5n, hello: "renamed" }));
      assert.deepEqual(calls, [["updateGreeter", 5, "renamed"]]);
      assert.deepEqual(toJson(UpdateGreeterReplySchema, reply, wire), { greeter: json(5, "renamed", 5) });
    });

    it("DeleteGreeter deletes the id and answers an empty DeleteGreeterReply", async () => {
      const { svc, calls } = wireRPCs();
      const reply = await svc.deleteGreeter(testContext(), create(DeleteGreeterRequestSchema, { id: 6n }));
      assert.deepEqual(calls, [["deleteGreeter", 6]]);
      assert.equal(reply.$typeName, "helloworld.v1.DeleteGreeterReply");
    });
  });
});
