import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, readSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { ALLOCATOR_ENV } from "@kratos-ts/kratos";
import { type ChildLine, childEnv } from "./process.js";
import { repoRoot } from "./repo.js";
import { findTool } from "./tools.js";

/** Whether this machine can give the service core 0 and its clients core 1: two cores and taskset. */
export const pinned = availableParallelism() >= 2 && findTool("taskset", { onPath: true }) !== undefined;

/** pinToClientCore moves this process (every thread of it) to core 1, off the service's core, where the machine can pin. */
export function pinToClientCore(): void {
  if (pinned) execFileSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)], { stdio: "ignore" });
}

/** freePort is a port free on 127.0.0.1 now, for a child process to listen on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** A service process of startPinned. */
export interface PinnedService {
  ports: { http: number; grpc: number };
  /** The service's process id (taskset execs node, so it is node's). */
  pid: number;
  /** The JSON lines the service has written so far. */
  lines(): ChildLine[];
  /** Sends SIGTERM and waits for the exit. */
  stop(): Promise<void>;
}

/** spawnPinned runs node with argv from the repo root, on core 0 (every thread) where the machine can pin, its stdout written to log. */
export function spawnPinned(argv: string[], env: NodeJS.ProcessEnv, log: string): ChildProcess {
  return spawn(pinned ? "taskset" : process.execPath, pinned ? ["-a", "-c", "0", process.execPath, ...argv] : argv, {
    cwd: repoRoot(),
    stdio: ["ignore", openSync(log, "w"), "inherit"],
    env,
  });
}

/**
 * startPinned runs the built service from configs/ on core 0, on free loopback ports, with a file database in dir,
 * and its lines written to dir/out.log, as a log shipper would read them: a load test's own process, reading
 * them from a pipe as they come, would take CPU from the load generator. It resolves once /readyz answers 200.
 */
export async function startPinned(dir: string, env: Record<string, string | undefined>): Promise<PinnedService> {
  mkdirSync(dir, { recursive: true });
  const [http, grpc] = [await freePort(), await freePort()];
  const log = join(dir, "out.log");
  const argv = ["--enable-source-maps", join(repoRoot(), "dist/cmd/helloworld/main.js"), "-conf", join(repoRoot(), "configs")];
  const child = spawnPinned(
    argv,
    childEnv({
      ...ALLOCATOR_ENV,
      HELLOWORLD_SERVER_HTTP_ADDR: `127.0.0.1:${http}`,
      HELLOWORLD_SERVER_GRPC_ADDR: `127.0.0.1:${grpc}`,
      HELLOWORLD_LOG_FORMAT: "json",
      HELLOWORLD_DATA_DATABASE_SOURCE: join(dir, "helloworld.db"),
      ...env,
    }),
    log,
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  for (let i = 0; ; i++) {
    const ready = await fetch(`http://127.0.0.1:${http}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (i >= 100 || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`the service did not become ready in 10 s: ${readFileSync(log, "utf8").slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // The log holds tens of thousands of access lines after a load: each call reads and parses only what came since the last.
  const lines: ChildLine[] = [];
  let read = 0;
  let partial = "";
  const decoder = new StringDecoder("utf8");
  return {
    ports: { http, grpc },
    pid: child.pid as number,
    lines: () => {
      const fd = openSync(log, "r");
      try {
        const chunk = Buffer.alloc(1 << 20);
        for (let n = readSync(fd, chunk, 0, chunk.length, read); n > 0; n = readSync(fd, chunk, 0, chunk.length, read)) {
          read += n;
          const parts = (partial + decoder.write(chunk.subarray(0, n))).split("\n");
          partial = parts.pop() as string;
          for (const text of parts) if (text) lines.push(JSON.parse(text) as ChildLine);
        }
      } finally {
        closeSync(fd);
      }
      return lines;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
