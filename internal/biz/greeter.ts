import type { Context } from "@kratos-ts/kratos/context";
import { GRPCCode } from "@kratos-ts/kratos/errors";
import { LOGGER, type Logger } from "@kratos-ts/kratos/log";
import { inject, injectable } from "tsyringe";
import { errorGreeterAlreadyExists, errorUserNotFound } from "../../api/helloworld/v1/error_reason_errors.js";

/** ErrUserNotFound is user not found. */
export const ErrUserNotFound = errorUserNotFound("user not found");

/** ErrGreeterAlreadyExists is a greeter whose hello is taken: 409, and over gRPC ALREADY_EXISTS rather than 409's ABORTED. */
export const ErrGreeterAlreadyExists = errorGreeterAlreadyExists("greeter already exists").withGRPCCode(GRPCCode.ALREADY_EXISTS);

/** Greeter is a Greeter model. */
export interface Greeter {
  id: number;
  hello: string;
  /** How many times SayHello greeted this hello. */
  greetCount: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A page of a list: at most size greeters whose id is above after, in id order. */
export interface PageRequest {
  size: number;
  /** The id of the last greeter of the previous page; 0 for the first page. */
  after: number;
}

/** A page of greeters, and whether another follows. */
export interface Page {
  greeters: Greeter[];
  more: boolean;
}

/** GreeterRepo is a Greeter repo, implemented by the data layer. Missing greeters are ErrUserNotFound. */
export interface GreeterRepo {
  /** save greets hello: it creates the greeter with greet_count 1, or adds 1 to its count, in one statement. */
  save(ctx: Context, hello: string): Promise<Greeter>;
  /** create adds a greeter with greet_count 0; a taken hello is ErrGreeterAlreadyExists. */
  create(ctx: Context, hello: string): Promise<Greeter>;
  /** update changes a greeter's hello; a taken hello is ErrGreeterAlreadyExists. */
  update(ctx: Context, id: number, hello: string): Promise<Greeter>;
  findByID(ctx: Context, id: number): Promise<Greeter>;
  listByHello(ctx: Context, hello: string, page: PageRequest): Promise<Page>;
  listAll(ctx: Context, page: PageRequest): Promise<Page>;
  delete(ctx: Context, id: number): Promise<void>;
}

export const GREETER_REPO = Symbol("GreeterRepo");

/** GreeterUsecase is a Greeter usecase. */
@injectable()
export class GreeterUsecase {
  constructor(
    @inject(GREETER_REPO) private readonly repo: GreeterRepo,
    @inject(LOGGER) private readonly log: Logger,
  ) {}

  /** createGreeter greets hello: it counts one more greeting of it, and returns the Greeter. */
  async createGreeter(ctx: Context, hello: string): Promise<Greeter> {
    this.log.info(`CreateGreeter: ${hello}`);
    return this.repo.save(ctx, hello);
  }

  /** getGreeter finds a greeter by id; a missing one is ErrUserNotFound. */
  async getGreeter(ctx: Context, id: number): Promise<Greeter> {
    return this.repo.findByID(ctx, id);
  }

  /** listGreeters lists a page of the greeters whose hello is hello, or of all greeters when hello is empty, in id order. */
  async listGreeters(ctx: Context, hello: string, page: PageRequest): Promise<Page> {
    return hello === "" ? this.repo.listAll(ctx, page) : this.repo.listByHello(ctx, hello, page);
  }

  /** addGreeter adds a greeter that has not been greeted; a taken hello is ErrGreeterAlreadyExists. */
  async addGreeter(ctx: Context, hello: string): Promise<Greeter> {
    this.log.info(`AddGreeter: ${hello}`);
    return this.repo.create(ctx, hello);
  }

  /** updateGreeter changes a greeter's hello; a missing one is ErrUserNotFound, a taken hello ErrGreeterAlreadyExists. */
  async updateGreeter(ctx: Context, id: number, hello: string): Promise<Greeter> {
    this.log.info(`UpdateGreeter: ${id} ${hello}`);
    return this.repo.update(ctx, id, hello);
  }

  /** deleteGreeter deletes a greeter; a missing one is ErrUserNotFound. */
  async deleteGreeter(ctx: Context, id: number): Promise<void> {
    this.log.info(`DeleteGreeter: ${id}`);
    await this.repo.delete(ctx, id);
  }
}
