import { type DependencyContainer, Lifecycle } from "tsyringe";
import { GREETER_REPO } from "../biz/greeter.js";
import { Data } from "./data.js";
import { GreeterStore } from "./greeter.js";

/** dataProviders registers the data layer, as data.ProviderSet does; the repo is bound to biz's token here. */
export function dataProviders(c: DependencyContainer): void {
  c.register(Data, { useClass: Data }, { lifecycle: Lifecycle.Singleton });
  c.register(GREETER_REPO, { useClass: GreeterStore }, { lifecycle: Lifecycle.Singleton });
}
