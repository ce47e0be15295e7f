import type { DescFile } from "@bufbuild/protobuf";
import type { Schema } from "@bufbuild/protoplugin";
import type { KratosOptions } from "./options.js";
import { bindingsOf } from "./rules.js";

/** generateHttp writes <file>_http.ts: the route table of every google.api.http rule and the server interface. */
export function generateHttp(schema: Schema<KratosOptions>, file: DescFile): void {
  const services = file.services.filter((s) => s.methods.some((m) => bindingsOf(m).length > 0));
  if (services.length === 0) return;
  const f = schema.generateFile(`${file.name}_http.ts`);
  f.preamble(file);
  const fw = schema.options.framework;
  const Context = f.import("Context", `${fw}/transport/context.js`, true);
  const HttpServer = f.import("HttpServer", `${fw}/transport/http/server.js`, true);
  const Route = f.import("Route", `${fw}/transport/http/route.js`, true);
  for (const service of services) {
    const name = service.name;
    const methods = service.methods.filter((m) => bindingsOf(m).length > 0);
    f.print(f.jsDoc(`${name}HTTPServer is the part of ${service.typeName} served over HTTP.`));
    f.print(f.export("interface", `${name}HTTPServer`), " {");
    for (const m of methods) {
      f.print(f.jsDoc(m, "  "));
      f.print("  ", m.localName, "(ctx: ", Context, ", req: ", f.importShape(m.input), "): Promise<", f.importShape(m.output), ">;");
    }
    f.print("}");
    f.print();
    f.print(f.jsDoc(`${name}HTTPRoutes binds each RPC of ${service.typeName} to its HTTP method and path.`));
    f.print(f.export("const", `${name}HTTPRoutes`), ": readonly ", Route, "[] = [");
    const desc = f.importSchema(service);
    for (const m of methods) {
      for (const b of bindingsOf(m)) {
        f.print("  {");
        f.print("    method: ", f.string(b.method), ",");
        f.print("    path: ", f.string(b.path), ",");
        f.print("    body: ", f.string(b.body), ",");
        f.print("    responseBody: ", f.string(b.responseBody), ",");
        f.print("    rpc: ", desc, ".method.", m.localName, ",");
        f.print("  },");
      }
    }
    f.print("];");
    f.print();
    f.print(f.jsDoc(`register${name}HTTPServer serves srv on s, through the middleware of s.`));
    f.print(f.export("function", `register${name}HTTPServer`), "(s: ", HttpServer, ", srv: ", `${name}HTTPServer`, "): void {");
    f.print("  s.registerRoutes(", `${name}HTTPRoutes`, ", srv);");
    f.print("}");
    f.print();
  }
}
