import { redactHeaders } from "../log/redact.js";

/**
 * Header is a case-insensitive multimap: HTTP headers or gRPC metadata, seen the same way.
 * Binary gRPC entries (keys ending in -bin) hold their values base64-encoded, as HTTP/2 carries them;
 * addBinary and binaryValues convert.
 */
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

  /** addBinary adds bytes under a -bin key, base64-encoded. */
  addBinary(key: string, value: Uint8Array): void {
    this.add(key, Buffer.from(value).toString("base64"));
  }

  /** binaryValues decodes every value of a -bin key. */
  binaryValues(key: string): Uint8Array[] {
    return this.values(key).map((v) => new Uint8Array(Buffer.from(v, "base64")));
  }

  /** toJSON is what JSON.stringify and the logger write: every key's values, credentials (authorization, cookie) redacted. */
  toJSON(): unknown {
    return redactHeaders(this);
  }
}
