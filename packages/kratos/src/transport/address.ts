/** A listen address split into host and port. */
export interface Address {
  host: string;
  port: number;
}

/** parseAddress reads host:port, [v6]:port or :port (all interfaces). */
export function parseAddress(addr: string): Address {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`invalid listen address ${JSON.stringify(addr)}: want host:port, [v6]:port or :port`);
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}

/** formatAddress writes host and port back as an address, bracketing IPv6 hosts. */
export function formatAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** listenError says why a listener could not bind, in the words of the address and the cause. */
export function listenError(tag: string, addr: string, err: NodeJS.ErrnoException): Error {
  const why: Record<string, string> = {
    EADDRINUSE: "address already in use",
    EACCES: "permission denied",
    EADDRNOTAVAIL: "cannot assign requested address",
  };
  return new Error(`${tag} listen ${addr}: ${why[err.code ?? ""] ?? err.message}`);
}
