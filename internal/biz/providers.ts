import { type DependencyContainer, Lifecycle } from "tsyringe";
import { GreeterUsecase } from "./greeter.js";

/** bizProviders registers the biz layer, as biz.ProviderSet does. */
export function bizProviders(c: DependencyContainer): void {
  c.register(GreeterUsecase, { useClass: GreeterUsecase }, { lifecycle: Lifecycle.Singleton });
}
