/** Server is a transport the App starts and stops: HTTP or gRPC. */
export interface Server {
  /** start binds and serves; it resolves once the server listens and rejects if it cannot. */
  start(): Promise<void>;
  /** stop refuses new work and lets in-flight requests finish; when force aborts, it drops them. */
  stop(force: AbortSignal): Promise<void>;
}

/** cut says how many requests a forced stop cut, for its WARN line: "1 request cut", "3 requests cut". */
export function cut(requests: number): string {
  return `${requests} ${requests === 1 ? "request" : "requests"} cut`;
}
