import { TransportContext } from "../../pkg/transport/context.js";
import { Header } from "../../pkg/transport/header.js";

/** testContext is a Context for calling a layer directly, as if over gRPC. */
export function testContext(operation = "/test/Call"): TransportContext {
  return new TransportContext("grpc", operation, new Header(), Date.now() + 1000, undefined, () => {});
}
