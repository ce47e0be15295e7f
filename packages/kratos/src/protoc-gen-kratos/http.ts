import type { DescFile } from "@bufbuild/protobuf";
import type { Schema } from "@bufbuild/protoplugin";
import { bindingsOf } from "../transport/http/rules.js";
import { generateTypedClient } from "./client.js";
import type { KratosOptions } from "./options.js";
import { warnOddBinding } from "./warnings.js";

/** generateHTTP writes <file>_http.ts: the interface of the RPCs with a google.api.http rule, a register function, and the typed HTTP client. */
export function generateHTTP(schema: Schema<KratosOptions>, file: DescFile): void {
  const services = file.services.filter((s) => s.methods.some((m) => bindingsOf(m).length > 0));
  if (services.length === 0) return;
  const f = schema.generateFile(`${file.name}_http.ts`);
  f.preamble(file);
  const fw = schema.options.framework;
  const Context = f.import("Context", `${fw}/context`, true);
  const HTTPServer = f.import("HTTPServer", `${fw}/transport/http`, true);
  for (const service of services) {
    const name = service.name;
    const methods = service.methods.filter((m) => bindingsOf(m).length > 0);
    for (const m of methods) for (const b of bindingsOf(m)) warnOddBinding(m, b);
    f.print(f.jsDoc(`${name}HTTPServer is the part of ${service.typeName} served over HTTP.`));
    f.print(f.export("interface", `${name}HTTPServer`), " {");
    for (const m of methods) {
      f.print(f.jsDoc(m, "  "));
      f.print("  ", m.localName, "(ctx: ", Context, ", req: ", f.importShape(m.input), "): Promise<", f.importShape(m.output), ">;");
    }
    f.print("}");
    f.print();
    f.print(f.jsDoc(`register${name}HTTPServer serves srv on s, through the middleware of s.`));
    f.print(f.export("function", `register${name}HTTPServer`), "(s: ", HTTPServer, ", srv: ", `${name}HTTPServer`, "): void {");
    f.print("  s.registerService(", f.importSchema(service), ", srv);");
    f.print("}");
    f.print();
    generateTypedClient(f, fw, service, methods, "HTTP");
  }
}
