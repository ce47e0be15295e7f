import { type DescMessage, type DescService, fromBinary, type Message, toBinary } from "@bufbuild/protobuf";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";

/**
 * definitionOf derives the grpc-js definition of a service from its descriptor, keyed by each method's
 * localName. Servers and generated clients both use it, so there is one definition of each service.
 *
 * @example
 * const Client = makeGenericClientConstructor(definitionOf(Greeter), "helloworld.v1.Greeter");
 */
export function definitionOf(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<Message, Message>> = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
      responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      requestSerialize: serializer(method.input),
      requestDeserialize: deserializer(method.input),
      responseSerialize: serializer(method.output),
      responseDeserialize: deserializer(method.output),
      originalName: method.name,
    };
  }
  return definition;
}

function serializer(schema: DescMessage) {
  return (m: Message) => Buffer.from(toBinary(schema, m));
}

// Unknown fields are dropped, not kept: nothing reads them, and a message of millions of them costs a third of the time.
const readOptions = { readUnknownFields: false };

function deserializer(schema: DescMessage) {
  return (b: Buffer) => fromBinary(schema, b, readOptions) as Message;
}
