import { type DependencyContainer, Lifecycle } from "tsyringe";
import { GreeterService } from "./greeter.js";

/** serviceProviders registers the service layer, as service.ProviderSet does. */
export function serviceProviders(c: DependencyContainer): void {
  c.register(GreeterService, { useClass: GreeterService }, { lifecycle: Lifecycle.Singleton });
}
