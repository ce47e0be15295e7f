import { readdirSync } from "node:fs";
import { join } from "node:path";

/** listFiles lists the files under dir, as paths relative to it (with /), .git left out. */
export function listFiles(dir: string, rel = ""): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((d) => {
    const path = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) return d.name === ".git" ? [] : listFiles(dir, path);
    return [path];
  });
}
