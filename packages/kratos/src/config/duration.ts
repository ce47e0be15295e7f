const unitNs: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const tokenRE = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
// Go's time.Duration is an int64 of nanoseconds; longer durations do not exist there either.
const maxNs = (1n << 63n) - 1n;

/** parseDuration reads a Go duration (1s, 0.2s, 500ms, 1m30s) as milliseconds; undefined if it is not one. */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  if (text === "") return undefined;
  let rest = text;
  let ns = 0n;
  while (rest !== "") {
    const m = tokenRE.exec(rest);
    const [token, whole = "", frac = "", unit = ""] = m ?? [];
    if (!m || (whole === "" && frac === "")) return undefined;
    const scale = unitNs[unit] as bigint;
    // Whole and fraction are summed in integer nanoseconds, as Go does, so 1.005s is exactly 1005ms.
    ns += BigInt(whole || "0") * scale + (BigInt(frac || "0") * scale) / 10n ** BigInt(frac.length);
    if (ns > maxNs) return undefined;
    rest = rest.slice((token as string).length);
  }
  return Number(ns) / 1e6;
}
