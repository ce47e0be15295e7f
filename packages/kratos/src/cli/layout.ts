import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";

/** What a layout says of itself, in its layout.json: the name it renames, and what a new service leaves out. */
export interface LayoutManifest {
  /** The service's name in the layout, replaced everywhere by the new one: lower, Pascal and upper case. */
  name: string;
  /** Paths (files or directories) of the layout that are not part of a new service: the framework's own. */
  exclude: string[];
}

/** A layout packed into one file, shipped in the framework's tarball so that kratos-ts new works from npm alone. */
interface LayoutBundle {
  /** Each file: text as it is (it compresses best), a binary file (one with a NUL byte) in base64. */
  files: Array<{ path: string; mode: number; text?: string; base64?: string }>;
}

/** frameworkDir is the directory of this package, @kratos-ts/kratos (dist/cli/ is two levels down). */
export function frameworkDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "../..");
}

/** The bundle's place in the package: under dist/, built output that npm pack ships and git ignores. */
export const BUNDLE = "dist/layout.json.gz";

/** readManifest reads root's layout.json, or says root is no layout. */
export function readManifest(root: string): LayoutManifest {
  const path = join(root, "layout.json");
  if (!existsSync(path)) throw new Error(`${root} is not a layout: it has no layout.json`);
  return JSON.parse(readFileSync(path, "utf8")) as LayoutManifest;
}

/**
 * layoutSource is the layout's directory: the one given, a clone of a git URL, the repository this package
 * sits in (a checkout of the layout), or else the layout bundled in this package when npm installed it.
 */
export function layoutSource(layout: string | undefined): { root: string; cleanup: () => void } {
  if (layout && /^(https?|ssh|git|file):\/\/|^git@/.test(layout)) {
    const tmp = mkdtempSync(join(tmpdir(), "kratos-layout-"));
    try {
      execFileSync("git", ["clone", "-q", "--depth", "1", layout, tmp], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`git clone ${layout}: ${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()}`);
    }
    return { root: tmp, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
  }
  if (layout) return { root: resolve(layout), cleanup: () => {} };
  const checkout = resolve(frameworkDir(), "../..");
  if (existsSync(join(checkout, "layout.json"))) return { root: checkout, cleanup: () => {} };
  const bundle = join(frameworkDir(), BUNDLE);
  if (!existsSync(bundle)) throw new Error("no layout here: pass --layout <directory or git URL>");
  const tmp = mkdtempSync(join(tmpdir(), "kratos-layout-"));
  unbundle(bundle, tmp);
  return { root: tmp, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

/** filesOf lists a layout's files: those git tracks in a repository, else all but node_modules, dist and .git. */
export function filesOf(root: string): string[] {
  if (existsSync(join(root, ".git"))) {
    const out = execFileSync("git", ["ls-files", "-z"], { cwd: root, maxBuffer: 64 << 20 }).toString("utf8");
    return out.split("\0").filter((f) => f !== "" && existsSync(join(root, f)));
  }
  const walk = (rel: string): string[] =>
    readdirSync(join(root, rel), { withFileTypes: true }).flatMap((d) => {
      const path = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) return ["node_modules", "dist", ".git"].includes(d.name) ? [] : walk(path);
      return [path];
    });
  return walk("");
}

/** isExcluded tells whether a layout's file is its framework's, left out of a new service and of the bundle. */
export function isExcluded(manifest: LayoutManifest, file: string): boolean {
  return manifest.exclude.some((e) => file === e || file.startsWith(`${e}/`));
}

/**
 * bundleLayout packs the layout at root (less what layout.json excludes) into out, a gzipped JSON file; npm pack
 * runs it (prepack), so the published framework carries the layout of its own version.
 *
 * @example
 *   bundleLayout("/src/helloworld-ts", "packages/kratos/dist/layout.json.gz");
 */
export function bundleLayout(root: string, out: string): number {
  const manifest = readManifest(root);
  const files = filesOf(root)
    .filter((file) => !isExcluded(manifest, file))
    .map((path) => {
      const bytes = readFileSync(join(root, path));
      const mode = statSync(join(root, path)).mode & 0o777;
      return bytes.includes(0) ? { path, mode, base64: bytes.toString("base64") } : { path, mode, text: bytes.toString("utf8") };
    });
  const bundle: LayoutBundle = { files };
  // Written whole, then renamed: a reader never sees half a bundle.
  writeFileSync(`${out}.tmp`, gzipSync(JSON.stringify(bundle), { level: 9 }));
  renameSync(`${out}.tmp`, out);
  return files.length;
}

/** unbundle writes a bundle's files into dir, with their modes. */
function unbundle(bundle: string, dir: string): void {
  const { files } = JSON.parse(gunzipSync(readFileSync(bundle)).toString("utf8")) as LayoutBundle;
  for (const file of files) {
    const to = join(dir, file.path);
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, file.text ?? Buffer.from(file.base64 ?? "", "base64"));
    chmodSync(to, file.mode);
  }
}
