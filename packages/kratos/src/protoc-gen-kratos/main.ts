import { readFileSync } from "node:fs";
import { createEcmaScriptPlugin, runNodeJs } from "@bufbuild/protoplugin";
import { generateErrors } from "./errors.js";
import { generateGRPC } from "./grpc.js";
import { generateHTTP } from "./http.js";
import { generateOpenapi } from "./openapi.js";
import { parseOptions } from "./options.js";

/** protoc-gen-kratos generates what Kratos's protoc-gen-go-grpc, -go-http, -go-errors and -openapi generate, for TypeScript. */
const plugin = createEcmaScriptPlugin({
  name: "protoc-gen-kratos",
  // The generated headers name the framework release they were made with.
  version: `v${(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version}`,
  parseOptions,
  generateTs(schema) {
    if (schema.options.mode === "openapi") {
      generateOpenapi(schema);
      return;
    }
    for (const file of schema.files) {
      generateGRPC(schema, file);
      generateHTTP(schema, file);
      generateErrors(schema, file);
    }
  },
});

runNodeJs(plugin);
