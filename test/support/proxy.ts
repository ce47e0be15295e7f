import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * TcpProxy forwards a loopback port to a server, so a test can take the server away from a client and give it
 * back, as a network failure or a restart would, without touching the server other tests use.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly pairs = new Set<[Socket, Socket]>();
  private held = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** start listens on the port it had before, or on a free one the first time, and resolves with it. */
  async start(): Promise<number> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      client.on("close", () => this.pairs.delete(pair));
      if (!this.held) forward(pair);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this.port;
  }

  /** hold stops passing bytes either way while keeping every connection open: the server hangs for the client. */
  hold(): void {
    this.held = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /** release passes bytes again, the held ones first. */
  release(): void {
    this.held = false;
    for (const pair of this.pairs) forward(pair);
  }

  /** cut stops listening and drops every open connection: the server is gone for the client. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

function forward([client, upstream]: [Socket, Socket]): void {
  client.pipe(upstream).pipe(client);
  client.resume();
  upstream.resume();
}

/** proxyDatabase starts a TcpProxy in front of the database a URL names and returns it with the URL through it. */
export async function proxyDatabase(url: string): Promise<{ proxy: TcpProxy; source: string }> {
  const target = new URL(url);
  const proxy = new TcpProxy(target.hostname, Number(target.port));
  const through = new URL(target);
  through.hostname = "127.0.0.1";
  through.port = String(await proxy.start());
  return { proxy, source: through.href };
}
