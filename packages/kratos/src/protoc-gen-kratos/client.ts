import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { GeneratedFile } from "@bufbuild/protoplugin";

/**
 * generateTypedClient writes the typed client of service's methods over one transport's client (HTTPClient or
 * GRPCClient): an interface `<Service><transport>Client` of one method per RPC, taking the request as its
 * init shape and CallOptions, and `new<Service><transport>Client(cc)`, as Kratos's New<Service><transport>Client.
 */
export function generateTypedClient(f: GeneratedFile, fw: string, service: DescService, methods: DescMethod[], transport: "HTTP" | "GRPC"): void {
  const name = `${service.name}${transport}Client`;
  const conn = f.import(`${transport}Client`, `${fw}/transport/${transport.toLowerCase()}`, true);
  const CallOptions = f.import("CallOptions", `${fw}/transport`, true);
  const MessageInitShape = f.import("MessageInitShape", "@bufbuild/protobuf", true);
  const over = transport === "HTTP" ? "HTTP/JSON" : "gRPC";
  f.print(
    f.jsDoc(
      `${name} calls ${service.typeName} over ${over} through ${transport === "HTTP" ? "an" : "a"} ${transport}Client: its middleware and deadline; a failure is the KratosError the server sent.`,
    ),
  );
  f.print(f.export("interface", name), " {");
  for (const m of methods) {
    f.print(f.jsDoc(m, "  "));
    f.print(
      "  ",
      m.localName,
      "(req: ",
      MessageInitShape,
      "<typeof ",
      f.importSchema(m.input),
      ">, opts?: ",
      CallOptions,
      "): Promise<",
      f.importShape(m.output),
      ">;",
    );
  }
  f.print("}");
  f.print();
  f.print(f.jsDoc(`new${name} is the typed client of ${service.typeName} over cc.`));
  f.print(f.export("function", `new${name}`), "(cc: ", conn, "): ", name, " {");
  f.print("  return {");
  for (const m of methods) f.print("    ", m.localName, ": (req, opts) => cc.invoke(", f.importSchema(service), ".method.", m.localName, ", req, opts),");
  f.print("  };");
  f.print("}");
  f.print();
}
