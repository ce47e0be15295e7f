/** Header is a case-insensitive multimap: HTTP headers or gRPC metadata, seen the same way. */
export class Header {
  private readonly entries = new Map<string, string[]>();

  get(key: string): string | undefined {
    return this.entries.get(key.toLowerCase())?.[0];
  }

  values(key: string): string[] {
    return this.entries.get(key.toLowerCase()) ?? [];
  }

  set(key: string, value: string): void {
    this.entries.set(key.toLowerCase(), [value]);
  }

  add(key: string, value: string): void {
    const k = key.toLowerCase();
    const current = this.entries.get(k);
    if (current) current.push(value);
    else this.entries.set(k, [value]);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  get size(): number {
    return this.entries.size;
  }
}
