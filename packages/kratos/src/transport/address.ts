import type { AddressInfo, Server as NetServer } from "node:net";

/** A listen address split into host and port. */
export interface Address {
  host: string;
  port: number;
}

/** parseAddress reads host:port, [v6]:port or :port (all interfaces). */
export function parseAddress(addr: string): Address {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d+)$/.exec(addr);
  if (!m) throw new Error(`invalid address ${JSON.stringify(addr)}: want host:port, [v6]:port or :port`);
  const port = Number(m[3]);
  if (port > MAX_PORT) throw new Error(`invalid address ${JSON.stringify(addr)}: port ${m[3]} is out of range (0 to ${MAX_PORT})`);
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}

const MAX_PORT = 65535;

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

/** listen binds server to addr (host:port) and resolves with the address it got, or rejects with listenError's words. */
export async function listen(server: NetServer, tag: string, addr: string): Promise<string> {
  const { host, port } = parseAddress(addr);
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => reject(listenError(tag, addr, err));
    server.once("error", failed);
    server.listen(port, host, () => {
      server.off("error", failed);
      resolve();
    });
  });
  const info = server.address() as AddressInfo;
  return formatAddress(info.address, info.port);
}
