import type { DescService } from "@bufbuild/protobuf";
import { type Client, type ClientOptions, InterceptingCall, type Interceptor, type Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";
import type { TextMapSetter } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { currentContext } from "../../context/current.js";
import { GLOBAL_METADATA_PREFIX, serverMetadataOf } from "../../context/metadata.js";
import { TRACE_CONTEXT } from "../../context/trace.js";
import { definitionOf } from "./definition.js";

const propagator = new W3CTraceContextPropagator();
const metadataSetter: TextMapSetter<Metadata> = { set: (md, key, value) => md.set(key, value) };

/**
 * propagation sends on, with every call made while a request is served, what Kratos's client middleware
 * sends: the request's x-md-global-* metadata, and its span as the W3C traceparent (and tracestate), so the
 * called service's span is its child. Keys the caller set on the call's own metadata are left as they are.
 */
export const propagation: Interceptor = (options, nextCall) =>
  new InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      const ctx = currentContext();
      if (ctx) {
        const md = serverMetadataOf(ctx);
        for (const key of md.keys()) {
          if (key.startsWith(GLOBAL_METADATA_PREFIX) && metadata.get(key).length === 0) for (const v of md.values(key)) metadata.add(key, v);
        }
        const traced = ctx.values.get(TRACE_CONTEXT);
        if (traced && metadata.get("traceparent").length === 0) propagator.inject(traced, metadata, metadataSetter);
      }
      next(metadata, listener);
    },
  });

/**
 * clientConstructorOf makes the grpc-js client class of a service from its descriptor, with propagation
 * first among its interceptors; generated clients are made by it.
 *
 * @example
 * const GreeterClient = clientConstructorOf(Greeter);
 * const client = new GreeterClient("127.0.0.1:9000", credentials.createInsecure());
 */
export function clientConstructorOf(service: DescService): typeof Client {
  const Base = makeGenericClientConstructor(definitionOf(service), service.typeName);
  return class extends Base {
    constructor(address: string, credentials: ConstructorParameters<typeof Client>[1], options?: Partial<ClientOptions>) {
      super(address, credentials, { ...options, interceptors: [propagation, ...(options?.interceptors ?? [])] });
    }
  } as unknown as typeof Client;
}
