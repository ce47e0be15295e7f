import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { createFileRegistry, type DescMessage, type DescService, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { kebabCase, parseProtoPath } from "./names.js";

/** A service file proto server writes: where, and what. */
export interface ServiceFile {
  path: string;
  text: string;
}

/**
 * describeProto compiles path with the project's buf (its buf.yaml, node_modules/.bin/buf, else buf on PATH)
 * and returns its services: the proto is read by the compiler the build uses, so what it accepts is what
 * make api accepts.
 */
export function describeProto(root: string, path: string): DescService[] {
  const local = join(root, "node_modules/.bin/buf");
  const buf = existsSync(local) ? local : "buf";
  let image: Buffer;
  try {
    image = execFileSync(buf, ["build", "--as-file-descriptor-set", "--path", path, "-o", "-"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 << 20,
    });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? "").trim();
    throw new Error(`buf build ${path}: ${stderr || (err as Error).message}`);
  }
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, image));
  const { pkg, base } = parseProtoPath(path);
  const file = [...registry.files].find((f) => f.proto.package === pkg && f.name.endsWith(`/${base}`));
  if (!file) throw new Error(`buf build ${path}: no file of package ${pkg} named ${base}.proto in its output`);
  return file.services;
}

/**
 * serviceFiles is what proto server writes for each of services: a class in targetDir that
 * implements its generated <Service>Server, each method answering 501 UNIMPLEMENTED until it is written.
 */
export function serviceFiles(services: DescService[], targetDir: string): ServiceFile[] {
  const fromTarget = (to: string) => {
    const rel = relative(targetDir, to);
    return rel.startsWith(".") ? rel : `./${rel}`;
  };
  // A message of another file is imported from its own generated code: the well-known types from protobuf-es.
  const moduleOf = (m: DescMessage) => (m.file.name.startsWith("google/protobuf/") ? "@bufbuild/protobuf/wkt" : `${fromTarget("api")}/${m.file.name}_pb.js`);
  return services.map((s) => {
    const messages = new Map<string, DescMessage>();
    for (const m of s.methods) for (const msg of [m.input, m.output]) messages.set(msg.typeName, msg);
    const byModule = new Map<string, string[]>();
    for (const msg of messages.values()) byModule.set(moduleOf(msg), [...(byModule.get(moduleOf(msg)) ?? []), msg.name]);
    const methods = s.methods.flatMap((m) => [
      "",
      `  async ${m.localName}(_ctx: Context, _req: ${m.input.name}): Promise<${m.output.name}> {`,
      `    throw newError(501, "UNIMPLEMENTED", "method ${m.name} not implemented");`,
      "  }",
    ]);
    const imports = new Map<string, string>([
      ["@kratos-ts/kratos/context", "import type { Context }"],
      ["@kratos-ts/kratos/errors", "import { newError }"],
      ["tsyringe", "import { injectable }"],
      [`${fromTarget("api")}/${s.file.name}_grpc.js`, `import type { ${s.name}Server }`],
    ]);
    for (const [from, names] of byModule) imports.set(from, `import type { ${names.sort().join(", ")} }`);
    const text = [
      ...importLines(imports),
      "",
      `/** ${s.name}Service serves ${s.typeName}; a method answers 501 UNIMPLEMENTED until it is written. */`,
      "@injectable()",
      `export class ${s.name}Service implements ${s.name}Server {`,
      ...methods.slice(1),
      "}",
      "",
    ].join("\n");
    return { path: join(targetDir, `${kebabCase(s.name)}.ts`), text };
  });
}

/** The widest line the layout's formatter (biome, lineWidth 160) leaves on one line. */
const LINE_WIDTH = 160;

/** importLines writes imports as the layout's formatter leaves them: packages, then relative paths, each sorted; a long one a name a line. */
function importLines(imports: Map<string, string>): string[] {
  const order = (from: string) => `${from.startsWith(".") ? 1 : 0}${from}`;
  return [...imports]
    .sort(([a], [b]) => (order(a) < order(b) ? -1 : 1))
    .map(([from, head]) => {
      const line = `${head} from "${from}";`;
      if (line.length <= LINE_WIDTH) return line;
      const [, kind, names] = /^(import (?:type )?)\{ (.*) \}$/.exec(head) as RegExpExecArray;
      return `${kind}{\n${(names as string)
        .split(", ")
        .map((n) => `  ${n},\n`)
        .join("")}} from "${from}";`;
    });
}

/** protoServer writes the service files of path under root, never over a file that exists; it returns those written. */
export function protoServer(root: string, path: string, targetDir: string): string[] {
  const services = describeProto(root, path);
  if (services.length === 0) throw new Error(`${path} declares no service`);
  const files = serviceFiles(services, targetDir);
  const existing = files.filter((f) => existsSync(join(root, f.path)));
  if (existing.length > 0) throw new Error(`${existing.map((f) => f.path).join(", ")} already exists; it is left as it is`);
  for (const f of files) {
    mkdirSync(join(root, targetDir), { recursive: true });
    writeFileSync(join(root, f.path), f.text);
  }
  return files.map((f) => f.path);
}
