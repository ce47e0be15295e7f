import type { DescMethod } from "@bufbuild/protobuf";
import { type Kind, TransportContext } from "../context/context.js";
import { Health } from "../gen/grpc/health/v1/health_pb.js";

/**
 * testContext is a Context for calling a layer directly, as if over gRPC, with a second to run.
 *
 * @example
 * const reply = await new GreeterService(usecase).sayHello(testContext({ method: Greeter.method.sayHello }), req);
 */
export function testContext(opts: { method?: DescMethod; operation?: string; kind?: Kind; timeoutMs?: number } = {}): TransportContext {
  return new TransportContext({
    kind: opts.kind ?? "grpc",
    // Any method will do for a layer under test that does not read it.
    method: opts.method ?? Health.method.check,
    operation: opts.operation,
    deadline: Date.now() + (opts.timeoutMs ?? 1000),
  });
}
