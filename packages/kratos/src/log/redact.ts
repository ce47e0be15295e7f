/** What a secret logs as, in place of its value: a field marked [debug_redact = true], or a credential header. */
export const REDACTED = "[REDACTED]";

/** The headers, and gRPC metadata keys, that carry credentials: their values are never logged. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie"]);

/**
 * redactHeaders returns a plain copy of headers (a Header, grpc-js Metadata or Node's header object) with the
 * value of every credential header replaced by REDACTED. The logger applies it to the fields headers and metadata.
 *
 * @example
 * logger.info({ headers: req.headers }, "odd request"); // "authorization": "[REDACTED]"
 */
export function redactHeaders(headers: unknown): unknown {
  if (headers === null || typeof headers !== "object") return headers;
  const source = headers as { keys?: unknown; values?: unknown; getMap?: unknown };
  let out: Record<string, unknown>;
  if (typeof source.keys === "function" && typeof source.values === "function") {
    // A Header: each key with all its values.
    const header = headers as { keys(): string[]; values(key: string): string[] };
    out = {};
    for (const key of header.keys()) out[key] = header.values(key);
  } else if (typeof source.getMap === "function") {
    out = (headers as { getMap(): Record<string, unknown> }).getMap();
  } else {
    out = { ...(headers as Record<string, unknown>) };
  }
  for (const key of Object.keys(out)) if (CREDENTIAL_HEADERS.has(key.toLowerCase())) out[key] = REDACTED;
  return out;
}
