import type { DescFile, DescService } from "@bufbuild/protobuf";
import type { Schema } from "@bufbuild/protoplugin";
import type { KratosOptions } from "./options.js";

/** generateGrpc writes <file>_grpc.ts: the grpc-js definition, the server interface, a client and a register function. */
export function generateGrpc(schema: Schema<KratosOptions>, file: DescFile): void {
  if (file.services.length === 0) return;
  const f = schema.generateFile(`${file.name}_grpc.ts`);
  f.preamble(file);
  const fw = schema.options.framework;
  const Context = f.import("Context", `${fw}/transport/context.js`, true);
  const GrpcServer = f.import("GrpcServer", `${fw}/transport/grpc/server.js`, true);
  const grpc = (name: string, typeOnly = true) => f.import(name, "@grpc/grpc-js", typeOnly);
  const { toBinary, fromBinary } = f.runtime;
  for (const service of file.services) {
    checkUnary(service);
    const name = service.name;
    for (const m of service.methods) {
      f.print(f.export("const", `Operation${name}${m.name}`), ` = "/${service.typeName}/${m.name}";`);
    }
    f.print();
    f.print(f.jsDoc(`${name}Server is the server API of ${service.typeName}.`));
    f.print(f.export("interface", `${name}Server`), " {");
    for (const m of service.methods) {
      f.print(f.jsDoc(m, "  "));
      f.print("  ", m.localName, "(ctx: ", Context, ", req: ", f.importShape(m.input), "): Promise<", f.importShape(m.output), ">;");
    }
    f.print("}");
    f.print();
    f.print(f.jsDoc(`${name}Definition is the grpc-js definition of ${service.typeName}, for servers and clients.`));
    f.print(f.export("const", `${name}Definition`), " = {");
    for (const m of service.methods) {
      const input = f.importSchema(m.input);
      const output = f.importSchema(m.output);
      f.print("  ", m.localName, ": {");
      f.print("    path: ", `Operation${name}${m.name}`, ",");
      f.print("    requestStream: false,");
      f.print("    responseStream: false,");
      f.print("    requestSerialize: (m: ", f.importShape(m.input), ") => Buffer.from(", toBinary, "(", input, ", m)),");
      f.print("    requestDeserialize: (b: Buffer) => ", fromBinary, "(", input, ", b),");
      f.print("    responseSerialize: (m: ", f.importShape(m.output), ") => Buffer.from(", toBinary, "(", output, ", m)),");
      f.print("    responseDeserialize: (b: Buffer) => ", fromBinary, "(", output, ", b),");
      f.print("    originalName: ", f.string(m.name), ",");
      f.print("  },");
    }
    f.print("} as const satisfies ", grpc("ServiceDefinition"), ";");
    f.print();
    f.print(f.jsDoc(`${name}Client calls ${service.typeName} with grpc-js.`));
    f.print(f.export("interface", `${name}Client`), " extends ", grpc("Client"), " {");
    for (const m of service.methods) {
      const req = f.importShape(m.input);
      const cb = ["callback: ", grpc("requestCallback"), "<", f.importShape(m.output), ">"];
      f.print("  ", m.localName, "(request: ", req, ", ", ...cb, "): ", grpc("ClientUnaryCall"), ";");
      f.print("  ", m.localName, "(request: ", req, ", metadata: ", grpc("Metadata"), ", ", ...cb, "): ", grpc("ClientUnaryCall"), ";");
      f.print("  ", m.localName, "(request: ", req, ", metadata: ", grpc("Metadata"), ", options: Partial<", grpc("CallOptions"), ">, ", ...cb, "): ", grpc("ClientUnaryCall"), ";");
    }
    f.print("}");
    f.print();
    f.print(f.export("const", `${name}Client`), " = ", grpc("makeGenericClientConstructor", false), "(", `${name}Definition`, ", ", f.string(service.typeName), ") as unknown as {");
    f.print("  new (address: string, credentials: ", grpc("ChannelCredentials"), ", options?: Partial<", grpc("ClientOptions"), ">): ", `${name}Client`, ";");
    f.print("  service: typeof ", `${name}Definition`, ";");
    f.print("  serviceName: string;");
    f.print("};");
    f.print();
    f.print(f.jsDoc(`register${name}Server serves srv on s, through the middleware of s.`));
    f.print(f.export("function", `register${name}Server`), "(s: ", GrpcServer, ", srv: ", `${name}Server`, "): void {");
    f.print("  s.registerService(", f.importSchema(service), ", ", `${name}Definition`, ", srv);");
    f.print("}");
    f.print();
  }
}

function checkUnary(service: DescService): void {
  for (const m of service.methods) {
    if (m.methodKind !== "unary") throw new Error(`${service.typeName}.${m.name}: protoc-gen-kratos supports unary RPCs only`);
  }
}
