// Reading the Prometheus text format in tests.
import assert from "node:assert/strict";

/** A sample of the text format: name, labels and value; label values here hold no quote, backslash or comma. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** samples reads every sample line of a scrape. */
export function samples(text: string): Sample[] {
  return text
    .split("\n")
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(m, `not a sample line: ${line}`);
      const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/([a-zA-Z_]\w*)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
      return { name: m[1] as string, labels, value: Number(m[3]) };
    });
}

/** value returns the one sample named name whose labels are exactly labels. */
export function value(all: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  const found = all.filter((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want);
  assert.ok(found.length <= 1, `${name} ${want} appears ${found.length} times`);
  return found[0]?.value;
}
