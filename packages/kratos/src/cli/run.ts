import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ALLOCATOR_ENV } from "../allocator.js";

/** mainOf finds the service's entry point: dist/cmd/<name>/main.js of the one directory under cmd/. */
export function mainOf(root: string): string {
  const dirs = existsSync(join(root, "cmd")) ? readdirSync(join(root, "cmd"), { withFileTypes: true }).filter((d) => d.isDirectory()) : [];
  if (dirs.length !== 1) throw new Error(`run needs exactly one service under ${join(root, "cmd")}, found ${dirs.length}`);
  return join("dist", "cmd", (dirs[0] as { name: string }).name, "main.js");
}

/**
 * run builds the service (make build) and starts it with configs/, as kratos run does; with watch, tsc
 * rebuilds on every change and node restarts the service on every rebuild. It resolves with the service's
 * exit code; a signal to this process is passed on to the service.
 */
export async function run(root: string, opts: { watch: boolean; conf: string }): Promise<number> {
  const main = mainOf(root);
  // --no-print-directory: run started from make (MAKELEVEL set) would otherwise print make's "Entering directory".
  const build = await exitOf(spawn("make", ["--no-print-directory", "build"], { cwd: root, stdio: "inherit" }));
  if (build !== 0) return build;
  let compiler: ChildProcess | undefined;
  if (opts.watch) {
    // A group of its own, signalled whole: node_modules/.bin/tsc is a launcher whose compiler is a child of it.
    const args = ["-p", "tsconfig.json", "--watch", "--preserveWatchOutput"];
    compiler = spawn(join(root, "node_modules/.bin/tsc"), args, { cwd: root, stdio: "inherit", detached: true });
  }
  const node = [...(opts.watch ? ["--watch-path=dist", "--watch-preserve-output"] : []), "--enable-source-maps", main, "-conf", opts.conf];
  const service = spawn(process.execPath, node, {
    cwd: root,
    stdio: "inherit",
    env: { ...ALLOCATOR_ENV, ...process.env },
  });
  const stopCompiler = (signal: NodeJS.Signals) => {
    if (compiler?.pid === undefined) return;
    try {
      process.kill(-compiler.pid, signal);
    } catch {
      // ESRCH: the group is gone already.
    }
  };
  const forward = (signal: NodeJS.Signals) => {
    service.kill(signal);
    stopCompiler(signal);
  };
  process.on("SIGINT", forward).on("SIGTERM", forward);
  const code = await exitOf(service);
  stopCompiler("SIGTERM");
  return code;
}

function exitOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
