import type { DestinationStream } from "pino";

export type LogLine = Record<string, unknown> & { level: string; msg: string };

/** LogCapture is a pino destination that keeps every line, parsed, for assertions. */
export class LogCapture implements DestinationStream {
  readonly lines: LogLine[] = [];
  private waiters: Array<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];

  write(chunk: string): void {
    for (const text of chunk.split("\n")) {
      if (!text) continue;
      const line = JSON.parse(text) as LogLine;
      this.lines.push(line);
      // A waiter whose line has come is resolved and dropped; the others keep waiting.
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(line)) return true;
        w.resolve(line);
        return false;
      });
    }
  }

  messages(): string[] {
    return this.lines.map((l) => l.msg);
  }

  /** waitFor resolves with the first line, past or future, that matches. */
  waitFor(match: (l: LogLine) => boolean): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }
}
