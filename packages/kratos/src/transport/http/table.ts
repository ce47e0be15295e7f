import { type CompiledPath, compilePath } from "./route.js";

/** A route found for a request: its value, and the field and raw (still percent-encoded) text of each path variable. */
export interface Found<T> {
  value: T;
  /** The path template the request matched. */
  template: string;
  /** The dotted request field path of each variable, in template order. */
  fields: string[][];
  /** The text each variable matched, as sent. */
  vars: string[];
}

interface Entry<T> {
  value: T;
  template: string;
}

interface TemplateEntry<T> extends Entry<T> {
  compiled: CompiledPath;
}

const noFields: string[][] = [];
const noVars: string[] = [];

/**
 * RouteTable finds the route of a request by method and path: a path template without variables is a key
 * of a Map, looked up first; templates with variables are regular expressions, kept per method and tried in
 * the order they were added. The first route added for a method and template wins.
 *
 * Go Kratos's gorilla/mux tries every route in the order it was added, so there a template registered before
 * a literal path that it also matches wins; here the literal path does.
 *
 * Paths are matched as sent, still percent-encoded, and variables are decoded after the match, so an encoded
 * "/" (%2F) is data inside a variable. gorilla/mux matches the decoded path, where %2F is a separator.
 */
export class RouteTable<T> {
  private readonly literal = new Map<string, Map<string, Entry<T>>>();
  private readonly templates = new Map<string, TemplateEntry<T>[]>();
  /** Every method that has a route, in the order of its first route: the order of Allow. */
  private readonly methods: string[] = [];

  add(method: string, template: string, value: T): void {
    if (!this.methods.includes(method)) this.methods.push(method);
    const compiled = compilePath(template);
    if (compiled.vars.length === 0 && !template.includes("*")) {
      const byMethod = this.literal.get(template) ?? new Map();
      this.literal.set(template, byMethod);
      if (!byMethod.has(method)) byMethod.set(method, { value, template });
      return;
    }
    const list = this.templates.get(method) ?? [];
    this.templates.set(method, list);
    list.push({ value, template, compiled });
  }

  /** find returns the route of method at path; HEAD falls back to GET. */
  find(method: string, path: string): Found<T> | undefined {
    return this.findExact(method, path) ?? (method === "HEAD" ? this.findExact("GET", path) : undefined);
  }

  /** allowed lists the methods served at path, in the order of Allow, with HEAD after GET; empty if none. */
  allowed(path: string): string[] {
    const methods = this.methods.filter((m) => this.findExact(m, path));
    if (methods.includes("GET") && !methods.includes("HEAD")) methods.push("HEAD");
    return methods;
  }

  private findExact(method: string, path: string): Found<T> | undefined {
    const entry = this.literal.get(path)?.get(method);
    if (entry) return { value: entry.value, template: entry.template, fields: noFields, vars: noVars };
    const list = this.templates.get(method);
    if (!list) return undefined;
    for (const t of list) {
      const m = t.compiled.regex.exec(path);
      if (m) return { value: t.value, template: t.template, fields: t.compiled.vars, vars: m.slice(1) as string[] };
    }
    return undefined;
  }
}

// A "//" anywhere, or a "." or ".." segment.
const unclean = /\/\/|\/\.\.?(?:\/|$)/;

/**
 * cleanPath returns the canonical form of a request path, as gorilla/mux's cleanPath (Go's path.Clean, then
 * the trailing slash put back): "//" becomes "/", "." segments go, ".." removes the segment before it and
 * stops at the root. It returns the path itself when it is already clean.
 *
 * gorilla/mux cleans the decoded path; this cleans the path as sent, so an encoded dot or slash (%2E, %2F)
 * is data, not structure, as it is when variables are matched.
 */
export function cleanPath(path: string): string {
  if (!unclean.test(path)) return path;
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  const cleaned = `/${out.join("/")}`;
  return path.endsWith("/") && cleaned !== "/" ? `${cleaned}/` : cleaned;
}
