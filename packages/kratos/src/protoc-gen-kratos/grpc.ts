import type { DescFile, DescService } from "@bufbuild/protobuf";
import type { Schema } from "@bufbuild/protoplugin";
import { generateTypedClient } from "./client.js";
import type { KratosOptions } from "./options.js";

/**
 * generateGRPC writes <file>_grpc.ts: the server interface, a grpc-js client that sends on the request's metadata
 * and span, a register function, and the typed gRPC client over GRPCClient; the definition is derived from the descriptor.
 */
export function generateGRPC(schema: Schema<KratosOptions>, file: DescFile): void {
  if (file.services.length === 0) return;
  const f = schema.generateFile(`${file.name}_grpc.ts`);
  f.preamble(file);
  const fw = schema.options.framework;
  const Context = f.import("Context", `${fw}/context`, true);
  const GRPCServer = f.import("GRPCServer", `${fw}/transport/grpc`, true);
  const clientConstructorOf = f.import("clientConstructorOf", `${fw}/transport/grpc`);
  const grpc = (name: string, typeOnly = true) => f.import(name, "@grpc/grpc-js", typeOnly);
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
    f.print(f.jsDoc(`${name}Client calls ${service.typeName} with grpc-js; within a request it sends on the x-md-global-* metadata and the span.`));
    f.print(f.export("interface", `${name}Client`), " extends ", grpc("Client"), " {");
    for (const m of service.methods) {
      const req = f.importShape(m.input);
      const cb = ["callback: ", grpc("requestCallback"), "<", f.importShape(m.output), ">"];
      f.print("  ", m.localName, "(request: ", req, ", ", ...cb, "): ", grpc("ClientUnaryCall"), ";");
      f.print("  ", m.localName, "(request: ", req, ", metadata: ", grpc("Metadata"), ", ", ...cb, "): ", grpc("ClientUnaryCall"), ";");
      f.print(
        "  ",
        m.localName,
        "(request: ",
        req,
        ", metadata: ",
        grpc("Metadata"),
        ", options: Partial<",
        grpc("CallOptions"),
        ">, ",
        ...cb,
        "): ",
        grpc("ClientUnaryCall"),
        ";",
      );
    }
    f.print("}");
    f.print();
    f.print(f.export("const", `${name}Client`), " = ", clientConstructorOf, "(", f.importSchema(service), ") as unknown as {");
    f.print("  new (address: string, credentials: ", grpc("ChannelCredentials"), ", options?: Partial<", grpc("ClientOptions"), ">): ", `${name}Client`, ";");
    f.print("  service: ", grpc("ServiceDefinition"), ";");
    f.print("  serviceName: string;");
    f.print("};");
    f.print();
    f.print(f.jsDoc(`register${name}Server serves srv on s, through the middleware of s.`));
    f.print(f.export("function", `register${name}Server`), "(s: ", GRPCServer, ", srv: ", `${name}Server`, "): void {");
    f.print("  s.registerService(", f.importSchema(service), ", srv);");
    f.print("}");
    f.print();
    generateTypedClient(f, fw, service, service.methods, "GRPC");
  }
}

function checkUnary(service: DescService): void {
  for (const m of service.methods) {
    if (m.methodKind !== "unary") throw new Error(`${service.typeName}.${m.name}: protoc-gen-kratos supports unary RPCs only`);
  }
}
