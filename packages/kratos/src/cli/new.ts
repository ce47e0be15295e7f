import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { filesOf, frameworkDir, isExcluded, layoutSource, readManifest } from "./layout.js";
import { pascalCase } from "./names.js";

export interface NewOptions {
  /** The new service's name: lower case letters and digits, starting with a letter. */
  name: string;
  /** Its npm package name; the name by default. */
  module?: string;
  /** Where it goes; ./<name> by default. */
  dir?: string;
  /** Write into a directory that is not empty. */
  force?: boolean;
  /** The layout: a directory or a git URL; by default the checkout this package sits in, else the layout bundled in it. */
  layout?: string;
  /**
   * The version (or git: spec) of @kratos-ts/kratos the service depends on; ^ this package's version by default.
   * A tarball of it (npm pack's .tgz, a path or a file: spec) is copied into the service's vendor/.
   */
  framework?: string;
  /** Leave out the install and make api that make the service ready to run (both need npm's registry). */
  skipInstall?: boolean;
}

const NAME = /^[a-z][a-z0-9]*$/;
// npm's rules for a package name: lower case, URL-safe, optionally scoped, at most 214 characters.
const MODULE = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/**
 * newService writes a new service from a layout, as kratos new does: the layout's files (those git tracks,
 * when it is a repository) less its framework, with its name replaced by the new one in every file and path,
 * its package.json made the new service's own, and a fresh git repository. It returns the directory.
 */
export function newService(opts: NewOptions, cwd = process.cwd()): string {
  if (!NAME.test(opts.name)) {
    throw new Error(
      `invalid name ${JSON.stringify(opts.name)}: a service name is lower case letters and digits, starting with a letter (it names the proto package, the env prefix and the image)`,
    );
  }
  const module = opts.module ?? opts.name;
  if (module.length > 214 || !MODULE.test(module)) throw new Error(`invalid --module ${JSON.stringify(module)}: not an npm package name`);
  const dir = resolve(cwd, opts.dir ?? opts.name);
  if (existsSync(dir) && readdirSync(dir).length > 0 && !opts.force) throw new Error(`${dir} exists and is not empty; pass --force to write into it`);
  const tarball = opts.framework === undefined ? undefined : tarballOf(opts.framework, cwd);
  const { root, cleanup } = layoutSource(opts.layout);
  try {
    const manifest = readManifest(root);
    const rename = renamer(manifest.name, opts.name);
    mkdirSync(dir, { recursive: true });
    for (const file of filesOf(root)) {
      if (isExcluded(manifest, file)) continue;
      const to = join(dir, rename(file));
      mkdirSync(dirname(to), { recursive: true });
      const bytes = readFileSync(join(root, file));
      // Text is renamed; a file with a NUL byte is binary (an image) and copied as it is.
      if (bytes.includes(0)) cpSync(join(root, file), to);
      else writeFileSync(to, rename(bytes.toString("utf8")));
      // An executable (a script) stays one.
      chmodSync(to, statSync(join(root, file)).mode & 0o777);
    }
    const framework = opts.framework ?? `^${(JSON.parse(readFileSync(join(frameworkDir(), "package.json"), "utf8")) as { version: string }).version}`;
    ownPackage(dir, module, tarball ? vendored(tarball, dir) : framework);
    execFileSync("git", ["init", "-q"], { cwd: dir, stdio: "ignore" });
    // The generated code holds the protos' descriptors, whose package was renamed too: make api writes them anew,
    // after an install that fits the layout's lock to the new package.json.
    // Then the formatter: a name of another length moves where lines break and what sorts first.
    if (!opts.skipInstall) {
      try {
        execFileSync("make", ["api", "fmt", "NPM_INSTALL=install"], { cwd: dir, stdio: ["ignore", "inherit", "inherit"] });
      } catch (err) {
        const status = (err as { status?: number }).status;
        throw new Error(`${dir} is written, but make api fmt NPM_INSTALL=install failed there (exit ${status}): run it again there`);
      }
    }
    // Staged, not committed: the first commit is the author's, and a staged service is itself a layout.
    execFileSync("git", ["add", "-A"], { cwd: dir, stdio: "ignore" });
    return dir;
  } finally {
    cleanup();
  }
}

/**
 * tarballOf is the absolute path of the tarball a --framework spec names (a path or file: ending in .tgz), or
 * undefined for a registry spec; a tarball that is not there is refused before anything is written.
 */
function tarballOf(spec: string, cwd: string): string | undefined {
  if (!spec.endsWith(".tgz")) return undefined;
  const path = resolve(cwd, spec.replace(/^file:/, ""));
  if (!existsSync(path)) throw new Error(`--framework ${spec}: ${path} does not exist`);
  return path;
}

/**
 * vendored copies the framework's tarball into the service's vendor/, so that its installs and its image build
 * (the Dockerfile keeps vendor/) find it, and is its dependency spec: file:vendor/<name>.tgz.
 */
function vendored(tarball: string, dir: string): string {
  mkdirSync(join(dir, "vendor"), { recursive: true });
  copyFileSync(tarball, join(dir, "vendor", basename(tarball)));
  return `file:vendor/${basename(tarball)}`;
}

/** renamer replaces from by to in lower, Pascal and upper case: helloworld, Helloworld, HELLOWORLD. */
function renamer(from: string, to: string): (text: string) => string {
  const pairs: Array<[RegExp, string]> = [
    [new RegExp(from, "g"), to],
    [new RegExp(pascalCase(from), "g"), pascalCase(to)],
    [new RegExp(from.toUpperCase(), "g"), to.toUpperCase()],
  ];
  return (text) => pairs.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text);
}

/**
 * ownPackage makes package.json the new service's: its name, and the framework from the registry (or the spec
 * given) rather than from the layout's workspace. The layout's lock stays: the first install keeps its versions.
 */
function ownPackage(dir: string, module: string, framework: string): void {
  const path = join(dir, "package.json");
  const pkg = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown> & { dependencies?: Record<string, string> };
  pkg.name = module;
  delete pkg.workspaces;
  pkg.dependencies = { ...pkg.dependencies, "@kratos-ts/kratos": framework };
  writeFileSync(path, `${JSON.stringify(pkg, null, 2)}\n`);
}
