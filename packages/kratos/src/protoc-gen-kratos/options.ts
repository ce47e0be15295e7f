/** The options protoc-gen-kratos takes besides protoplugin's own. */
export interface KratosOptions {
  /** The framework's package name, e.g. @kratos-ts/kratos; generated code imports its entry points. */
  framework: string;
  /** ts writes *_grpc.ts, *_http.ts and *_errors.ts; openapi writes one openapi.yaml for all files. */
  mode: "ts" | "openapi";
}

export function parseOptions(raw: Array<{ key: string; value: string }>): KratosOptions {
  const opts: KratosOptions = { framework: "", mode: "ts" };
  for (const { key, value } of raw) {
    if (key === "framework") opts.framework = value.replace(/\/$/, "");
    else if (key === "mode" && (value === "ts" || value === "openapi")) opts.mode = value;
    else throw new Error(`protoc-gen-kratos: unknown option ${key}=${value}`);
  }
  if (opts.mode === "ts" && !opts.framework) throw new Error("protoc-gen-kratos: option framework=<package name, e.g. @kratos-ts/kratos> is required");
  return opts;
}
