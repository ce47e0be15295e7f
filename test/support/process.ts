import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";
import { repoRoot } from "./repo.js";

/** One stdout line of a child: its parsed JSON log line, or, if it is not JSON, the raw text as msg with level NOT-JSON. */
export type ChildLine = Record<string, unknown> & { level: string; msg: string };

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when the process exited. */
  at: number;
}

interface Waiter {
  match: (l: ChildLine) => boolean;
  what: string;
  resolve: (l: ChildLine) => void;
  reject: (err: Error) => void;
}

const live = new Set<ChildProc>();

/** ChildProc is a node program the tests start: its stdout read as JSON log lines, its stderr kept whole. */
export class ChildProc {
  readonly child: ChildProcess;
  readonly lines: ChildLine[] = [];
  stdout = "";
  stderr = "";
  /** Settles once the process has exited and its stdout and stderr are fully read. */
  readonly exited: Promise<Exit>;
  private exit?: Exit;
  private waiters: Waiter[] = [];
  private partial = "";

  constructor(script: URL, args: string[], opts: { env: NodeJS.ProcessEnv; cwd: URL }) {
    this.child = spawn(process.execPath, [fileURLToPath(script), ...args], {
      cwd: fileURLToPath(opts.cwd),
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    live.add(this);
    this.child.stdout?.setEncoding("utf8").on("data", (chunk: string) => this.onStdout(chunk));
    this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    let exitedAt = 0;
    this.child.once("exit", () => {
      exitedAt = performance.now();
    });
    this.exited = new Promise((resolve, reject) => {
      this.child.once("error", reject);
      this.child.once("close", (code, signal) => {
        live.delete(this);
        if (this.partial) this.addLine(this.partial);
        this.exit = { code, signal, at: exitedAt || performance.now() };
        for (const w of this.waiters) w.reject(new Error(`${this.describe()} exited before it logged ${w.what}\n${this.transcript()}`));
        this.waiters = [];
        resolve(this.exit);
      });
    });
    // A test that fails first must not leave an unhandled rejection behind.
    this.exited.catch(() => {});
  }

  /** The msg of every stdout line, in order. */
  messages(): string[] {
    return this.lines.map((l) => l.msg);
  }

  /** stderr split into lines, without the empty string after the final newline. */
  stderrLines(): string[] {
    const lines = this.stderr.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    return lines;
  }

  /** waitFor resolves with the first stdout line, past or future, that matches; it rejects if the process exits first. */
  waitFor(match: (l: ChildLine) => boolean, what: string): Promise<ChildLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    if (this.exit) return Promise.reject(new Error(`${this.describe()} exited before it logged ${what}\n${this.transcript()}`));
    return new Promise((resolve, reject) => this.waiters.push({ match, what, resolve, reject }));
  }

  /** waitForMsg waits for a line whose msg is exactly msg, or matches the pattern. */
  waitForMsg(msg: string | RegExp): Promise<ChildLine> {
    const match = typeof msg === "string" ? (l: ChildLine) => l.msg === msg : (l: ChildLine) => msg.test(l.msg);
    return this.waitFor(match, typeof msg === "string" ? JSON.stringify(msg) : String(msg));
  }

  /** signal sends sig and returns performance.now() just before it was sent. */
  signal(sig: NodeJS.Signals): number {
    const at = performance.now();
    if (!this.child.kill(sig)) throw new Error(`could not send ${sig} to ${this.describe()}`);
    return at;
  }

  /** kill ends the process with SIGKILL if it still runs, and waits for it. */
  async kill(): Promise<void> {
    if (!this.exit && this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited.catch(() => {});
  }

  /** Everything the process wrote, for assertion messages. */
  transcript(): string {
    return `--- stdout ---\n${this.stdout}--- stderr ---\n${this.stderr}--------------`;
  }

  private describe(): string {
    return `pid ${this.child.pid} (${this.child.spawnargs.slice(1).join(" ")})`;
  }

  private onStdout(chunk: string): void {
    this.stdout += chunk;
    const parts = (this.partial + chunk).split("\n");
    this.partial = parts.pop() as string;
    for (const text of parts) this.addLine(text);
  }

  private addLine(text: string): void {
    let line: ChildLine;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      line = parsed as ChildLine;
    } catch {
      line = { level: "NOT-JSON", msg: text };
    }
    this.lines.push(line);
    // A waiter whose line has come is resolved and dropped; the others keep waiting.
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(line)) return true;
      w.resolve(line);
      return false;
    });
  }
}

/** startNode runs script with the node running the tests. */
export function startNode(script: URL, args: string[], opts: { env: NodeJS.ProcessEnv; cwd: URL }): ChildProc {
  return new ChildProc(script, args, opts);
}

/** killAll SIGKILLs every process started here that still runs; call it from after or afterEach. */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill()));
}

/**
 * childEnv is this process's environment without any variable the programs under test read
 * (HELLOWORLD_*, SLOW_APP_*, GRPC_*VERBOSITY/TRACE), plus extra; a key of extra set to undefined is unset.
 */
export function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(HELLOWORLD_|SLOW_APP_|GRPC_(NODE_)?(VERBOSITY|TRACE)$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** listeningPort reads the port from a `[HTTP] server listening on: 127.0.0.1:<port>` line. */
export function listeningPort(line: ChildLine): number {
  const m = /:(\d+)$/.exec(line.msg);
  if (!m) throw new Error(`no port in ${JSON.stringify(line.msg)}`);
  return Number(m[1]);
}

/** dial opens a new TCP connection to 127.0.0.1:port and resolves with the error it got, or undefined if it connected. */
export function dial(port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err));
  });
}

/**
 * startHelloworld runs the compiled binary with the repo's configs/ on ephemeral loopback ports, with JSON logs
 * and a database of its own (in memory unless env names one), plus env.
 */
export function startHelloworld(env: Record<string, string> = {}): ChildProc {
  const root = pathToFileURL(`${repoRoot()}/`);
  return startNode(new URL("../../cmd/helloworld/main.js", import.meta.url), ["-conf", fileURLToPath(new URL("configs", root))], {
    env: childEnv({
      HELLOWORLD_SERVER_HTTP_ADDR: "127.0.0.1:0",
      HELLOWORLD_SERVER_GRPC_ADDR: "127.0.0.1:0",
      HELLOWORLD_LOG_FORMAT: "json",
      HELLOWORLD_DATA_DATABASE_SOURCE: ":memory:",
      ...env,
    }),
    cwd: root,
  });
}

/** The listening lines of the servers on an ephemeral loopback port. */
export const HTTP_LISTENING = /^\[HTTP\] server listening on: 127\.0\.0\.1:\d+$/;
export const GRPC_LISTENING = /^\[gRPC\] server listening on: 127\.0\.0\.1:\d+$/;

/** listening waits for both servers' listening lines, whatever their order, and returns the ports they name. */
export async function listening(proc: ChildProc): Promise<{ http: number; grpc: number }> {
  const [h, g] = await Promise.all([proc.waitForMsg(HTTP_LISTENING), proc.waitForMsg(GRPC_LISTENING)]);
  return { http: listeningPort(h), grpc: listeningPort(g) };
}
