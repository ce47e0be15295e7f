import { execFileSync } from "node:child_process";
import { findTool } from "../test/support/tools.js";

/**
 * svgToPNG turns an SVG file into a PNG with rsvg-convert (Debian's librsvg2-bin), installing it with apt-get
 * where it is missing and this process may; it returns why not when it cannot.
 */
export function svgToPNG(svg: string, png: string): string | undefined {
  let tool = findTool("rsvg-convert", { onPath: true });
  if (!tool && process.getuid?.() === 0 && findTool("apt-get", { onPath: true })) {
    try {
      execFileSync("apt-get", ["install", "-y", "-q", "librsvg2-bin"], { stdio: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    } catch {
      return "apt-get could not install librsvg2-bin";
    }
    tool = findTool("rsvg-convert", { onPath: true });
  }
  if (!tool) return "no rsvg-convert (Debian's librsvg2-bin)";
  execFileSync(tool, ["-o", png, svg]);
  return undefined;
}
