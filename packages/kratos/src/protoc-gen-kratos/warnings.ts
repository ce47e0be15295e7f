import type { DescMethod } from "@bufbuild/protobuf";
import { type Binding, describeBinding } from "../transport/http/rules.js";

/** warnOddBinding prints the warnings protoc-gen-go-http prints for bindings that work but look wrong. */
export function warnOddBinding(method: DescMethod, b: Binding): void {
  const where = describeBinding(method, b);
  if ((b.method === "GET" || b.method === "DELETE") && b.body) process.stderr.write(`protoc-gen-kratos: warning: ${where} declares a body\n`);
  if ((b.method === "POST" || b.method === "PUT" || b.method === "PATCH") && !b.body)
    process.stderr.write(`protoc-gen-kratos: warning: ${where} has no body\n`);
  if (b.path.length > 1 && b.path.endsWith("/")) process.stderr.write(`protoc-gen-kratos: warning: ${where} ends with /\n`);
}
