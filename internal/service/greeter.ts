import { create } from "@bufbuild/protobuf";
import type { Context } from "@kratos-ts/kratos/context";
import { inject, injectable } from "tsyringe";
import type { GreeterServer } from "../../api/helloworld/v1/greeter_grpc.js";
import type { GreeterHTTPServer } from "../../api/helloworld/v1/greeter_http.js";
import { type HelloReply, HelloReplySchema, type HelloRequest } from "../../api/helloworld/v1/greeter_pb.js";
import { GreeterUsecase } from "../biz/greeter.js";

/** GreeterService is a greeter service: it turns API messages into biz calls and back. */
@injectable()
export class GreeterService implements GreeterServer, GreeterHTTPServer {
  constructor(@inject(GreeterUsecase) private readonly uc: GreeterUsecase) {}

  /** sayHello implements helloworld.GreeterServer. */
  async sayHello(ctx: Context, req: HelloRequest): Promise<HelloReply> {
    const g = await this.uc.createGreeter(ctx, req.name);
    return create(HelloReplySchema, { message: `Hello ${g.hello}` });
  }
}
