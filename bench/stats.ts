/** median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** quantile of a non-empty list, the nearest rank: quantile(xs, 0.5) is an upper median. */
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))] as number;
}

/** pairedRatio is the median of a[i] / b[i]: runs made back to back share the machine's slow and fast moments. */
export function pairedRatio(a: number[], b: number[]): number {
  return median(a.map((v, i) => v / (b[i] as number)));
}
