import { readdirSync, readFileSync, type Stats, statSync } from "node:fs";
import { extname, join } from "node:path";
import type { z } from "zod";
import { parseBool } from "./bool.js";
import { leafPaths } from "./schema.js";
import { loadYaml, maxDepth, maxNodes, NodeBudget, yamlErrorReason } from "./yaml.js";

/** ConfigError says what is wrong with the config in one line: which key, in which file. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export interface LoadOptions<S extends z.ZodType> {
  schema: S;
  /** Environment variables named PREFIX + the key path in upper case, joined by _, override keys. */
  envPrefix?: string;
  env?: NodeJS.ProcessEnv;
}

type Tree = Record<string, unknown>;

const configExtensions = new Set([".yaml", ".yml", ".json"]);
// Keys that would reach Object.prototype when merged.
const forbiddenKeys = new Set(["__proto__", "constructor", "prototype"]);

/** loadConfig reads a config file, or every .yaml, .yml and .json file of a directory merged in name order. */
export function loadConfig<S extends z.ZodType>(path: string, opts: LoadOptions<S>): z.output<S> {
  const origins = new Map<string, string>();
  const merged: Tree = {};
  for (const file of configFiles(path)) {
    mergeInto(merged, parseFile(file), [], file, origins, new NodeBudget());
  }
  if (opts.envPrefix) applyEnv(merged, opts.schema, opts.envPrefix, opts.env ?? process.env, origins);
  const result = opts.schema.safeParse(merged);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => describeIssue(issue, origins));
  throw new ConfigError(`config: ${problems.join("; ")}`);
}

function configFiles(path: string): string[] {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch (err) {
    throw new ConfigError(
      `config: cannot read ${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (err as Error).message}`,
    );
  }
  // A FIFO or a device would block the read, or never end it.
  if (!stat.isDirectory() && !stat.isFile()) throw new ConfigError(`config: ${path}: not a regular file or a directory`);
  if (stat.isFile()) {
    if (!configExtensions.has(extname(path))) throw new ConfigError(`config: ${path}: unsupported format (want .yaml, .yml or .json)`);
    return [path];
  }
  const files = readdirSync(path)
    .filter((name) => !name.startsWith(".") && configExtensions.has(extname(name)))
    .sort()
    .map((name) => join(path, name))
    .filter((file) => statSync(file).isFile());
  if (files.length === 0) throw new ConfigError(`config: ${path}: no .yaml, .yml or .json files in the directory`);
  return files;
}

function parseFile(file: string): Tree {
  const text = readFileSync(file, "utf8");
  let data: unknown;
  try {
    data = extname(file) === ".json" ? JSON.parse(text) : loadYaml(text, file);
  } catch (err) {
    throw new ConfigError(`config: ${file}: ${yamlErrorReason(err)}`);
  }
  if (data === undefined || data === null) return {};
  if (!isTree(data)) throw new ConfigError(`config: ${file}: the top level must be a mapping of keys`);
  return data;
}

function isTree(v: unknown): v is Tree {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// Sequences are leaves here, never walked, so only keys count against the budget.
function mergeInto(target: Tree, source: Tree, path: string[], file: string, origins: Map<string, string>, nodes: NodeBudget): void {
  for (const key of Object.keys(source)) {
    const keyPath = [...path, key];
    if (forbiddenKeys.has(key)) throw new ConfigError(`config: ${keyPath.join(".")} (${file}): forbidden key`);
    if (!nodes.spend()) throw new ConfigError(`config: ${file}: more than ${maxNodes} keys`);
    if (keyPath.length > maxDepth) throw new ConfigError(`config: ${file}: keys nested more than ${maxDepth} deep`);
    const value = source[key];
    // An empty section (a key with nothing under it) leaves the defaults in place.
    if (value === null) continue;
    origins.set(keyPath.join("."), file);
    const current = target[key];
    if (isTree(value)) {
      const child: Tree = isTree(current) ? current : {};
      target[key] = child;
      mergeInto(child, value, keyPath, file, origins, nodes);
    } else {
      target[key] = value;
    }
  }
}

function applyEnv(merged: Tree, schema: z.ZodType, prefix: string, env: NodeJS.ProcessEnv, origins: Map<string, string>): void {
  const known = new Set<string>();
  for (const { path, kind } of leafPaths(schema)) {
    const name = prefix + path.join("_").toUpperCase();
    known.add(name);
    const raw = env[name];
    if (raw === undefined) continue;
    const section = sectionAt(merged, path.slice(0, -1));
    // A section the files set to something else stays as it is, so the schema reports it where it was written.
    if (!section) continue;
    section[path[path.length - 1] as string] = kind === "number" ? Number(raw) : kind === "boolean" ? (parseBool(raw) ?? raw) : raw;
    origins.set(path.join("."), `env ${name}`);
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith(prefix) && !known.has(name)) throw new ConfigError(`config: env ${name}: no config key has this name`);
  }
}

function sectionAt(root: Tree, path: string[]): Tree | undefined {
  let node = root;
  for (const key of path) {
    node[key] ??= {};
    const next = node[key];
    if (!isTree(next)) return undefined;
    node = next;
  }
  return node;
}

function describeIssue(issue: z.core.$ZodIssue, origins: Map<string, string>): string[] {
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => {
      const keyPath = [...path, key].join(".");
      return `${keyPath}${where(keyPath, origins)}: unknown key`;
    });
  }
  const keyPath = path.join(".");
  return [`${keyPath || "(top level)"}${where(keyPath, origins)}: ${issue.message.replace(/^Invalid (input|option): /, "")}`];
}

function where(keyPath: string, origins: Map<string, string>): string {
  for (let p = keyPath; p !== ""; p = p.includes(".") ? p.slice(0, p.lastIndexOf(".")) : "") {
    const origin = origins.get(p);
    if (origin) return ` (${origin})`;
  }
  return "";
}
