import { readdirSync, readFileSync, type Stats, statSync } from "node:fs";
import { extname, join } from "node:path";
import { getSystemErrorMap } from "node:util";
import type { z } from "zod";
import { escapeControls, quote } from "../text.js";
import { parseBool } from "./bool.js";
import { leafPaths } from "./schema.js";
import { loadYaml, maxDepth, maxNodes, NodeBudget, yamlErrorReason } from "./yaml.js";

/**
 * ConfigError says what is wrong with the config in one line: which key, in which file. A key or a file name
 * that holds a control character, or a key that would not read as one word, is escaped or quoted, so the
 * message stays one line of plain text whatever the config holds.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export interface LoadOptions<S extends z.ZodType> {
  schema: S;
  /** Environment variables named PREFIX + the key path in upper case, joined by _, override keys. */
  envPrefix?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * refuseInFile says why a value may not be written in a config file, or undefined when it may: for secrets,
   * which come only from the environment. Called with each leaf's key path and value as the files are read.
   */
  refuseInFile?: (keyPath: readonly string[], value: unknown) => string | undefined;
}

type Tree = Record<string, unknown>;

const configExtensions = new Set([".yaml", ".yml", ".json"]);
// Keys that would reach Object.prototype when merged.
const forbiddenKeys = new Set(["__proto__", "constructor", "prototype"]);

/** loadConfig reads a config file, or every .yaml, .yml and .json file of a directory merged in name order. */
export function loadConfig<S extends z.ZodType>(path: string, opts: LoadOptions<S>): z.output<S> {
  // Where each key path (as keyId writes it) was set: a file name or an environment variable, ready to print.
  const origins = new Map<string, string>();
  const merged: Tree = {};
  for (const file of configFiles(path)) {
    mergeInto(merged, parseFile(file), [], { file, origins, nodes: new NodeBudget(), refuse: opts.refuseInFile });
  }
  if (opts.envPrefix) applyEnv(merged, opts.schema, opts.envPrefix, opts.env ?? process.env, origins);
  const result = opts.schema.safeParse(merged);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => describeIssue(issue, origins));
  throw new ConfigError(`config: ${problems.join("; ")}`);
}

function configFiles(path: string): string[] {
  const stat = statOf(path);
  // A FIFO or a device would block the read, or never end it.
  if (!stat.isDirectory() && !stat.isFile()) throw new ConfigError(`config: ${shownPath(path)}: not a regular file or a directory`);
  if (stat.isFile()) {
    if (!configExtensions.has(extname(path))) throw new ConfigError(`config: ${shownPath(path)}: unsupported format (want .yaml, .yml or .json)`);
    return [path];
  }
  let names: string[];
  try {
    names = readdirSync(path);
  } catch (err) {
    throw cannotRead(path, err);
  }
  // A symlink is followed: one that leads nowhere is refused, as the file it names would be.
  const files = names
    .filter((name) => !name.startsWith(".") && configExtensions.has(extname(name)))
    .sort()
    .map((name) => join(path, name))
    .filter((file) => statOf(file).isFile());
  if (files.length === 0) throw new ConfigError(`config: ${shownPath(path)}: no .yaml, .yml or .json files in the directory`);
  return files;
}

function statOf(path: string): Stats {
  try {
    return statSync(path);
  } catch (err) {
    throw cannotRead(path, err);
  }
}

/** cannotRead says why path could not be read, in the system's words without its own copy of the path. */
function cannotRead(path: string, err: unknown): ConfigError {
  const e = err as NodeJS.ErrnoException;
  const why = e.errno !== undefined ? getSystemErrorMap().get(e.errno)?.[1] : undefined;
  return new ConfigError(`config: cannot read ${shownPath(path)}: ${why ?? escapeControls(String(e.message))}`);
}

/** shownPath writes a file name for a message: as it is, unless it holds a control character, which is escaped. */
function shownPath(path: string): string {
  return escapeControls(path);
}

function parseFile(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw cannotRead(file, err);
  }
  let data: unknown;
  try {
    data = extname(file) === ".json" ? JSON.parse(text) : loadYaml(text, file);
  } catch (err) {
    throw new ConfigError(`config: ${shownPath(file)}: ${yamlErrorReason(err)}`);
  }
  if (data === undefined || data === null) return {};
  if (!isTree(data)) throw new ConfigError(`config: ${shownPath(file)}: the top level must be a mapping of keys`);
  return data;
}

function isTree(v: unknown): v is Tree {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// Sequences are leaves here, never walked, so only keys count against the budget.
/** What mergeInto carries down the tree of one file. */
interface FileMerge {
  file: string;
  origins: Map<string, string>;
  nodes: NodeBudget;
  refuse?: LoadOptions<z.ZodType>["refuseInFile"];
}

function mergeInto(target: Tree, source: Tree, path: string[], m: FileMerge): void {
  for (const key of Object.keys(source)) {
    const keyPath = [...path, key];
    if (forbiddenKeys.has(key)) throw new ConfigError(`config: ${formatKeyPath(keyPath)} (${shownPath(m.file)}): forbidden key`);
    if (!m.nodes.spend()) throw new ConfigError(`config: ${shownPath(m.file)}: more than ${maxNodes} keys`);
    if (keyPath.length > maxDepth) throw new ConfigError(`config: ${shownPath(m.file)}: keys nested more than ${maxDepth} deep`);
    const value = source[key];
    // An empty section (a key with nothing under it) leaves the defaults in place.
    if (value === null) continue;
    m.origins.set(keyId(keyPath), shownPath(m.file));
    const current = target[key];
    if (isTree(value)) {
      const child: Tree = isTree(current) ? current : {};
      target[key] = child;
      mergeInto(child, value, keyPath, m);
    } else {
      const refused = m.refuse?.(keyPath, value);
      if (refused) throw new ConfigError(`config: ${formatKeyPath(keyPath)} (${shownPath(m.file)}): ${refused}`);
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
    origins.set(keyId(path), `env ${name}`);
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith(prefix) && !known.has(name)) throw new ConfigError(`config: env ${escapeControls(name)}: no config key has this name`);
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
      const keyPath = [...path, key];
      return `${formatKeyPath(keyPath)}${where(keyPath, origins)}: unknown key`;
    });
  }
  // A schema's own message may quote the value as it is.
  const reason = escapeControls(issue.message.replace(/^Invalid (input|option): /, ""));
  return [`${path.length > 0 ? formatKeyPath(path) : "(top level)"}${where(path, origins)}: ${reason}`];
}

/** where names the file (or variable) that set keyPath, or the nearest section above it that one did. */
function where(keyPath: string[], origins: Map<string, string>): string {
  for (let n = keyPath.length; n > 0; n--) {
    const origin = origins.get(keyId(keyPath.slice(0, n)));
    if (origin) return ` (${origin})`;
  }
  return "";
}

/** keyId is a key path as a map key: unlike a dotted path, a key holding a dot is not two keys. */
function keyId(keyPath: string[]): string {
  return JSON.stringify(keyPath);
}

/**
 * formatKeyPath writes a key path for a message, the keys joined by dots (server.http.addr). A key that would
 * not read as one word there (empty, with a dot, a quote, a space, a control or other invisible character, or
 * longer than 100 characters) is written as a JSON string, with control characters escaped, and cut: "" for
 * the empty key, "a.b", "ht\ntp".
 */
function formatKeyPath(keyPath: string[]): string {
  return keyPath.map((key) => (plainKey.test(key) ? key : quote(key))).join(".");
}

const plainKey = /^[^\s\p{C}\p{Z}."\\]{1,100}$/u;
