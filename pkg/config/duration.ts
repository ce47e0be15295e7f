const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const durationRE = /^(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h)/;

/** parseDuration reads a Go duration (1s, 0.2s, 500ms, 1m30s) as milliseconds; undefined if it is not one. */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  let rest = text;
  let total = 0;
  if (rest === "") return undefined;
  while (rest !== "") {
    const m = durationRE.exec(rest);
    if (!m) return undefined;
    const token = m[0];
    const unit = /[a-zµμ]+$/.exec(token)?.[0] as string;
    total += Number.parseFloat(token.slice(0, -unit.length)) * (unitMs[unit] as number);
    rest = rest.slice(token.length);
  }
  return total;
}

/** formatDuration writes milliseconds back as a Go-style duration, for messages. */
export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
