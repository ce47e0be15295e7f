import { type AddressInfo, isIPv4, isIPv6, type Server as NetServer } from "node:net";
import { quote } from "../text.js";

/** A listen address split into host and port. */
export interface Address {
  host: string;
  port: number;
}

/**
 * parseAddress reads host:port, [v6]:port or :port (all interfaces), as Go's net.Listen takes them: the host is
 * a hostname (labels of letters, digits, '-' and '_', at most 63 characters each and 253 in all), an IPv4
 * address, or an IPv6 address in brackets, and the port is from 0 to 65535. Anything else throws an Error
 * that quotes the address on one line, cut to its first 100 characters.
 */
export function parseAddress(addr: string): Address {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d+)$/.exec(addr);
  if (!m) throw new Error(`invalid address ${quote(addr)}: want host:port, [v6]:port or :port`);
  const port = Number(m[3]);
  if (port > MAX_PORT) throw new Error(`invalid address ${quote(addr)}: port ${m[3]} is out of range (0 to ${MAX_PORT})`);
  const v6 = m[1];
  if (v6 !== undefined) {
    if (!isIPv6(v6)) throw new Error(`invalid address ${quote(addr)}: the host is not an IPv6 address`);
    return { host: v6, port };
  }
  const host = m[2] as string;
  const why = hostProblem(host);
  if (why) throw new Error(`invalid address ${quote(addr)}: ${why}`);
  return { host: host || "0.0.0.0", port };
}

const MAX_HOST = 253;
const MAX_LABEL = 63;

/** hostProblem says what keeps host from being a hostname or an IPv4 address; "" (all interfaces) is neither and is fine. */
function hostProblem(host: string): string | undefined {
  if (host === "" || isIPv4(host)) return undefined;
  // A trailing dot makes a name fully qualified (example.com.); it does not count against the length.
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  if (!/^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/.test(name)) return "the host must be a hostname, an IPv4 address or an IPv6 address in brackets";
  if (name.length > MAX_HOST) return `the host is longer than ${MAX_HOST} characters`;
  if (name.split(".").some((label) => label.length > MAX_LABEL)) return `the host has a label longer than ${MAX_LABEL} characters`;
  // All digits and dots is no name (no top-level domain is numeric): an IPv4 address with a part out of range, or too few parts.
  if (/^[0-9.]+$/.test(name)) return "the host is not an IPv4 address";
  return undefined;
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
