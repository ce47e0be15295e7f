import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { kebabCase, parseProtoPath } from "./names.js";

/**
 * protoSkeleton is the proto kratos proto add writes for a service: the five CRUD RPCs with their
 * google.api.http rules, on a collection named after the file, and a request and reply message each.
 */
export function protoSkeleton(path: string): string {
  const { pkg, service: s, base } = parseProtoPath(path);
  const collection = `/${pkg.split(".").at(-1)}/${plural(kebabCase(base))}`;
  const rpc = (verb: string, http: string) => [
    `  rpc ${verb}${s} (${verb}${s}Request) returns (${verb}${s}Reply) {`,
    `    option (google.api.http) = {${http}};`,
    "  }",
  ];
  return [
    'syntax = "proto3";',
    "",
    `package ${pkg};`,
    "",
    'import "google/api/annotations.proto";',
    "",
    `service ${s} {`,
    ...rpc("Create", ` post: "${collection}" body: "*" `),
    ...rpc("Update", ` put: "${collection}/{id}" body: "*" `),
    ...rpc("Delete", ` delete: "${collection}/{id}" `),
    ...rpc("Get", ` get: "${collection}/{id}" `),
    ...rpc("List", ` get: "${collection}" `),
    "}",
    "",
    `message Create${s}Request {}`,
    `message Create${s}Reply {}`,
    "",
    `message Update${s}Request {`,
    "  int64 id = 1;",
    "}",
    `message Update${s}Reply {}`,
    "",
    `message Delete${s}Request {`,
    "  int64 id = 1;",
    "}",
    `message Delete${s}Reply {}`,
    "",
    `message Get${s}Request {`,
    "  int64 id = 1;",
    "}",
    `message Get${s}Reply {}`,
    "",
    `message List${s}Request {}`,
    `message List${s}Reply {}`,
    "",
  ].join("\n");
}

function plural(word: string): string {
  return word.endsWith("s") ? word : `${word}s`;
}

/** protoAdd writes the skeleton of path under root, refusing a file that exists; it returns the file written. */
export function protoAdd(root: string, path: string): string {
  const text = protoSkeleton(path);
  const file = join(root, path);
  if (existsSync(file)) throw new Error(`${path} already exists; it is left as it is`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}
