/** ContextKey names one typed value in a Context's value store; create it once, at module level. */
export interface ContextKey<T> {
  readonly id: symbol;
  readonly defaultValue: T;
}

/**
 * createContextKey makes a key for a per-request value that middleware hands to handlers and to each other.
 *
 * @example
 * const USER = createContextKey<string | undefined>(undefined, { description: "user" });
 * ctx.values.set(USER, "alice"); // in an auth middleware
 * ctx.values.get(USER); // "alice" in the handler, undefined where nothing set it
 */
export function createContextKey<T>(defaultValue: T, options?: { description?: string }): ContextKey<T> {
  return { id: Symbol(options?.description), defaultValue };
}

/** ContextValues is the typed value store of one request. */
export class ContextValues {
  private readonly values = new Map<symbol, unknown>();

  /** get returns the value set for key, or its default. */
  get<T>(key: ContextKey<T>): T {
    return this.values.has(key.id) ? (this.values.get(key.id) as T) : key.defaultValue;
  }

  set<T>(key: ContextKey<T>, value: T): this {
    this.values.set(key.id, value);
    return this;
  }

  has(key: ContextKey<unknown>): boolean {
    return this.values.has(key.id);
  }

  delete(key: ContextKey<unknown>): this {
    this.values.delete(key.id);
    return this;
  }
}
