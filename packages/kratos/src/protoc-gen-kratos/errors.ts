import { type DescEnum, type DescFile, getOption, hasOption } from "@bufbuild/protobuf";
import type { Schema } from "@bufbuild/protoplugin";
import { code, default_code } from "../gen/errors/errors_pb.js";
import type { KratosOptions } from "./options.js";

/** generateErrors writes <file>_errors.ts: errorX and isX for each reason of an enum with Kratos error codes. */
export function generateErrors(schema: Schema<KratosOptions>, file: DescFile): void {
  const enums = file.enums.filter((e) => hasOption(e, default_code) || e.values.some((v) => hasOption(v, code)));
  const reasons = enums.flatMap((e) => reasonsOf(e));
  if (reasons.length === 0) return;
  const f = schema.generateFile(`${file.name}_errors.ts`);
  f.preamble(file);
  const fw = schema.options.framework;
  const KratosError = f.import("KratosError", `${fw}/errors`, true);
  const errorf = f.import("errorf", `${fw}/errors`);
  const findError = f.import("findError", `${fw}/errors`);
  for (const { value, httpCode } of reasons) {
    const camel = value.name
      .toLowerCase()
      .split("_")
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join("");
    const doc = f.jsDoc(value);
    f.print(doc);
    f.print(f.export("function", `is${camel}`), "(err: unknown): boolean {");
    f.print("  const e = ", findError, "(err);");
    f.print("  return e !== undefined && e.reason === ", f.string(value.name), " && e.code === ", httpCode, ";");
    f.print("}");
    f.print();
    f.print(doc);
    f.print(f.export("function", `error${camel}`), "(format: string, ...args: unknown[]): ", KratosError, " {");
    f.print("  return ", errorf, "(", httpCode, ", ", f.string(value.name), ", format, ...args);");
    f.print("}");
    f.print();
  }
}

function reasonsOf(e: DescEnum) {
  const fallback = hasOption(e, default_code) ? getOption(e, default_code) : 0;
  return e.values
    .map((value) => ({ value, httpCode: hasOption(value, code) ? getOption(value, code) : fallback }))
    .filter(({ value, httpCode }) => {
      if (httpCode < 0 || httpCode > 600) throw new Error(`${value.parent.typeName}.${value.name}: error code ${httpCode} is outside 0..600`);
      return httpCode !== 0;
    });
}
