/** The parts of a proto path the CLI takes: api/<package path>/<version>/<file>.proto. */
export interface ProtoPath {
  /** The path as given, relative to the project. */
  path: string;
  /** The proto package, e.g. blog.v1 for api/blog/v1/post.proto. */
  pkg: string;
  /** The file's name without .proto, e.g. post. */
  base: string;
  /** The service the file declares by default, e.g. Post. */
  service: string;
}

const PROTO_PATH = /^api\/((?:[a-z][a-z0-9_]*\/)+)(v[0-9]+)\/([a-z][a-z0-9_]*)\.proto$/;

/**
 * parseProtoPath reads api/<pkg>/v1/<name>.proto, lower case with digits and underscores, as Kratos's proto
 * commands take it; anything else throws a message that says what is expected.
 */
export function parseProtoPath(path: string): ProtoPath {
  const m = PROTO_PATH.exec(path);
  if (!m) throw new Error(`${JSON.stringify(path)} is not a proto path of the layout: api/<package>/v1/<name>.proto, in lower case, digits and _`);
  const dirs = (m[1] as string).slice(0, -1).split("/");
  const base = m[3] as string;
  return { path, pkg: [...dirs, m[2]].join("."), base, service: pascalCase(base) };
}

/** pascalCase turns snake_case or kebab-case into PascalCase: user_profile → UserProfile. */
export function pascalCase(name: string): string {
  return name
    .split(/[_-]+/)
    .filter(Boolean)
    .map((w) => (w[0] as string).toUpperCase() + w.slice(1))
    .join("");
}

/** kebabCase turns PascalCase or snake_case into kebab-case: UserProfile → user-profile. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/_/g, "-")
    .toLowerCase();
}

/** camelCase is pascalCase with its first letter lowered, as protobuf-es names methods: CreatePost → createPost. */
export function camelCase(name: string): string {
  const p = pascalCase(name);
  return p.length === 0 ? p : (p[0] as string).toLowerCase() + p.slice(1);
}
