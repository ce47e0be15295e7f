import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Context } from "@kratos-ts/kratos/context";
import { inject, injectable } from "tsyringe";
import type { GreeterServer } from "../../api/helloworld/v1/greeter_grpc.js";
import type { GreeterHTTPServer } from "../../api/helloworld/v1/greeter_http.js";
import {
  type CreateGreeterReply,
  CreateGreeterReplySchema,
  type CreateGreeterRequest,
  type DeleteGreeterReply,
  DeleteGreeterReplySchema,
  type DeleteGreeterRequest,
  type GetGreeterReply,
  GetGreeterReplySchema,
  type GetGreeterRequest,
  type GreeterInfo,
  GreeterInfoSchema,
  type HelloReply,
  HelloReplySchema,
  type HelloRequest,
  type ListGreetersReply,
  ListGreetersReplySchema,
  type ListGreetersRequest,
  type UpdateGreeterReply,
  UpdateGreeterReplySchema,
  type UpdateGreeterRequest,
} from "../../api/helloworld/v1/greeter_pb.js";
import { ErrUserNotFound, type Greeter, GreeterUsecase } from "../biz/greeter.js";
import { decodePageToken, encodePageToken } from "./pagetoken.js";

/** The page size of a ListGreeters that sets none (page_size 0); greeter.proto's rules allow 0 to 1000. */
export const DEFAULT_PAGE_SIZE = 50;

/** GreeterService is a greeter service: it turns API messages into biz calls and back. */
@injectable()
export class GreeterService implements GreeterServer, GreeterHTTPServer {
  constructor(@inject(GreeterUsecase) private readonly uc: GreeterUsecase) {}

  /** sayHello implements helloworld.GreeterServer. */
  async sayHello(ctx: Context, req: HelloRequest): Promise<HelloReply> {
    const g = await this.uc.createGreeter(ctx, req.name);
    return create(HelloReplySchema, { message: `Hello ${g.hello}` });
  }

  async getGreeter(ctx: Context, req: GetGreeterRequest): Promise<GetGreeterReply> {
    const g = await this.uc.getGreeter(ctx, greeterID(req.id));
    return create(GetGreeterReplySchema, { greeter: toGreeterInfo(g) });
  }

  async listGreeters(ctx: Context, req: ListGreetersRequest): Promise<ListGreetersReply> {
    // The validate middleware refused a page_size outside 0 to 1000 (greeter.proto's rules); unset is the default.
    const size = req.pageSize === 0 ? DEFAULT_PAGE_SIZE : req.pageSize;
    const page = await this.uc.listGreeters(ctx, req.hello, { size, after: decodePageToken(req.pageToken) });
    const last = page.greeters.at(-1);
    return create(ListGreetersReplySchema, {
      greeters: page.greeters.map(toGreeterInfo),
      nextPageToken: page.more && last ? encodePageToken(last.id) : "",
    });
  }

  async createGreeter(ctx: Context, req: CreateGreeterRequest): Promise<CreateGreeterReply> {
    const g = await this.uc.addGreeter(ctx, req.hello);
    return create(CreateGreeterReplySchema, { greeter: toGreeterInfo(g) });
  }

  async updateGreeter(ctx: Context, req: UpdateGreeterRequest): Promise<UpdateGreeterReply> {
    const g = await this.uc.updateGreeter(ctx, greeterID(req.id), req.hello);
    return create(UpdateGreeterReplySchema, { greeter: toGreeterInfo(g) });
  }

  async deleteGreeter(ctx: Context, req: DeleteGreeterRequest): Promise<DeleteGreeterReply> {
    await this.uc.deleteGreeter(ctx, greeterID(req.id));
    return create(DeleteGreeterReplySchema);
  }
}

/**
 * greeterID is an API id as biz's number. The validate middleware refused an id below 1 (greeter.proto's
 * rules); an id past 2^53 - 1, where a number loses digits, no greeter can have: it is ErrUserNotFound.
 */
function greeterID(id: bigint): number {
  if (id > BigInt(Number.MAX_SAFE_INTEGER)) throw ErrUserNotFound;
  return Number(id);
}

function toGreeterInfo(g: Greeter): GreeterInfo {
  return create(GreeterInfoSchema, {
    id: BigInt(g.id),
    hello: g.hello,
    greetCount: BigInt(g.greetCount),
    createTime: timestampFromDate(g.createdAt),
    updateTime: timestampFromDate(g.updatedAt),
  });
}
