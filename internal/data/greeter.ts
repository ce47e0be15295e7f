import type { Context } from "@kratos-ts/kratos/context";
import { inject, injectable } from "tsyringe";
import { ErrUserNotFound, type Greeter, type GreeterRepo } from "../biz/greeter.js";
import { Data } from "./data.js";

/** GreeterStore keeps greeters in memory, in the order they were saved. */
@injectable()
export class GreeterStore implements GreeterRepo {
  private readonly greeters = new Map<number, Greeter>();
  private nextID = 1;

  constructor(@inject(Data) readonly data: Data) {}

  async save(_ctx: Context, g: Greeter): Promise<Greeter> {
    const saved = { ...g, id: this.nextID++ };
    this.greeters.set(saved.id, saved);
    return { ...saved };
  }

  async update(_ctx: Context, g: Greeter): Promise<Greeter> {
    if (g.id === undefined || !this.greeters.has(g.id)) throw ErrUserNotFound;
    this.greeters.set(g.id, { ...g });
    return { ...g };
  }

  async findByID(_ctx: Context, id: number): Promise<Greeter> {
    const g = this.greeters.get(id);
    if (!g) throw ErrUserNotFound;
    return { ...g };
  }

  async listByHello(_ctx: Context, hello: string): Promise<Greeter[]> {
    return [...this.greeters.values()].filter((g) => g.hello === hello).map((g) => ({ ...g }));
  }

  async listAll(_ctx: Context): Promise<Greeter[]> {
    return [...this.greeters.values()].map((g) => ({ ...g }));
  }
}
