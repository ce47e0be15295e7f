import type { Context } from "@kratos-ts/kratos/context";
import { LOGGER, type Logger } from "@kratos-ts/kratos/log";
import { inject, injectable } from "tsyringe";
import { errorUserNotFound } from "../../api/helloworld/v1/error_reason_errors.js";

/** ErrUserNotFound is user not found. */
export const ErrUserNotFound = errorUserNotFound("user not found");

/** Greeter is a Greeter model. */
export interface Greeter {
  id?: number;
  hello: string;
}

/** GreeterRepo is a Greeter repo, implemented by the data layer. */
export interface GreeterRepo {
  save(ctx: Context, g: Greeter): Promise<Greeter>;
  update(ctx: Context, g: Greeter): Promise<Greeter>;
  findByID(ctx: Context, id: number): Promise<Greeter>;
  listByHello(ctx: Context, hello: string): Promise<Greeter[]>;
  listAll(ctx: Context): Promise<Greeter[]>;
}

export const GREETER_REPO = Symbol("GreeterRepo");

/** GreeterUsecase is a Greeter usecase. */
@injectable()
export class GreeterUsecase {
  constructor(
    @inject(GREETER_REPO) private readonly repo: GreeterRepo,
    @inject(LOGGER) private readonly log: Logger,
  ) {}

  /** createGreeter creates a Greeter, and returns the new Greeter. */
  async createGreeter(ctx: Context, g: Greeter): Promise<Greeter> {
    this.log.info(`CreateGreeter: ${g.hello}`);
    return this.repo.save(ctx, g);
  }
}
