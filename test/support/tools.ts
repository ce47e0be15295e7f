import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { repoRoot } from "./repo.js";

/** What an outside program did: its exit code and everything it printed. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** findTool returns the program that make tools puts in <repo>/.tools/bin, else, if onPath, one on PATH. */
export function findTool(name: string, opts: { onPath?: boolean } = {}): string | undefined {
  const path = opts.onPath ? (process.env.PATH ?? "").split(delimiter).filter(Boolean) : [];
  return [join(repoRoot(), ".tools", "bin"), ...path].map((dir) => join(dir, name)).find(executable);
}

/** runTool runs a program and resolves with its exit code and output, whatever the code; it rejects only if it could not run or timed out. */
export function runTool(path: string, args: string[], timeoutMs: number): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(path, args, { timeout: timeoutMs, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err && typeof err.code !== "number") reject(Object.assign(err, { stdout, stderr }));
      else resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}
