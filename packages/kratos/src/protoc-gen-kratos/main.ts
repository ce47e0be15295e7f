import { createEcmaScriptPlugin, runNodeJs } from "@bufbuild/protoplugin";
import { generateErrors } from "./errors.js";
import { generateGRPC } from "./grpc.js";
import { generateHTTP } from "./http.js";
import { generateOpenapi } from "./openapi.js";
import { parseOptions } from "./options.js";

/** protoc-gen-kratos generates what Kratos's protoc-gen-go-grpc, -go-http, -go-errors and -openapi generate, for TypeScript. */
const plugin = createEcmaScriptPlugin({
  name: "protoc-gen-kratos",
  version: "v0.1.0",
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
