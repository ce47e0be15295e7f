/**
 * Failures groups what went wrong in a seeded run by the kind of fault, keeping the first cases of each, so one
 * common fault hides no other in the report.
 */
export class Failures {
  private readonly groups = new Map<string, { count: number; examples: string[] }>();
  /** How many cases went wrong in all. */
  total = 0;

  /** add counts one case under what, and keeps example() if what has fewer than two. */
  add(what: string, example: () => string): void {
    this.total++;
    const group = this.groups.get(what) ?? { count: 0, examples: [] };
    this.groups.set(what, group);
    group.count++;
    if (group.examples.length < 2) group.examples.push(example());
  }

  /** report lists each fault, the most common first, with its examples. */
  report(): string {
    return [...this.groups]
      .sort(([, a], [, b]) => b.count - a.count)
      .map(([what, g]) => `${g.count} × ${what}\n    ${g.examples.join("\n    ")}`)
      .join("\n");
  }
}

/** tally adds n to key's count. */
export function tally<K>(counts: Map<K, number>, key: K, n = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}

/** inPool runs work on every item, at most width at once, in order of the items. */
export async function inPool<T>(items: readonly T[], width: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: width }, worker));
}
