import { constants, type Http2Server, type Http2Session } from "node:http2";
import type { Socket } from "node:net";
import { setLongTimeout } from "../../timer.js";

/** How a GRPCServer treats each connection: how long it may take to say hello, and how often it may ping. */
export interface ConnectionPolicy {
  /** How long a new connection has to finish the HTTP/2 handshake (the client's preface and SETTINGS), as grpc-go's ConnectionTimeout. */
  connectionTimeout: number;
  /** The shortest time between a client's pings, as grpc-go's keepalive.EnforcementPolicy.MinTime. */
  keepaliveMinTime: number;
  /** Whether a client may ping while it has no call open, as grpc-go's EnforcementPolicy.PermitWithoutStream. */
  keepalivePermitWithoutStream: boolean;
}

/** The connection policy a GRPCServer applies unless told otherwise: grpc-go's enforcement, a 20 s handshake. */
export const GRPC_CONNECTION_POLICY: ConnectionPolicy = {
  connectionTimeout: 20_000,
  keepaliveMinTime: 5 * 60_000,
  keepalivePermitWithoutStream: false,
};

// grpc-go's limits: a third ping too soon is one too many, and a ping with no call open is too soon within 2 hours.
const MAX_PING_STRIKES = 2;
const IDLE_PING_INTERVAL_MS = 2 * 60 * 60_000;

/** TOO_MANY_PINGS is the GOAWAY debug data grpc-go sends with ENHANCE_YOUR_CALM; its clients back their keepalive off on it. */
export const TOO_MANY_PINGS = "too_many_pings";

/**
 * guardConnections returns the function that hands a socket to inject, grpc-js's connection injector, and
 * applies policy to the HTTP/2 session server, the injector's HTTP/2 server, opens on it: a socket that has
 * not sent its SETTINGS within connectionTimeout is closed, and a client that pings more often than
 * keepaliveMinTime gets GOAWAY ENHANCE_YOUR_CALM "too_many_pings" and loses the connection, as in grpc-go.
 *
 * @example
 * const accept = guardConnections(injectorServer, (socket) => injector.injectConnection(socket), GRPC_CONNECTION_POLICY);
 * net.createServer(accept).listen(9000);
 */
export function guardConnections(server: Http2Server, inject: (socket: Socket) => void, policy: ConnectionPolicy): (socket: Socket) => void {
  let opened: Http2Session | undefined;
  // The server opens the session while it is handed the socket, so the session met here is that socket's.
  server.prependListener("session", (session: Http2Session) => {
    opened = session;
  });
  return (socket) => {
    inject(socket);
    const session = opened;
    opened = undefined;
    // Node's HTTP/2 server always opens one; were it not to, the socket is served unguarded rather than dropped.
    if (!session) return;
    handshakeWithin(socket, session, policy.connectionTimeout);
    enforcePings(session, policy);
  };
}

// A session destroyed before the client's preface waits on a socket end that may never come: the socket goes itself.
function handshakeWithin(socket: Socket, session: Http2Session, ms: number): void {
  const cancel = setLongTimeout(() => socket.destroy(), ms, true);
  session.once("remoteSettings", cancel);
  session.once("close", cancel);
}

function enforcePings(session: Http2Session, policy: ConnectionPolicy): void {
  let openCalls = 0;
  let strikes = 0;
  let lastPingAt = Number.NEGATIVE_INFINITY;
  // grpc-go lets the first ping after each headers or data frame it sends go free, and starts the count again:
  // here after each call's reply (its stream's close), and each call and message a client sends. A grpc-go
  // client's BDP pings follow the replies it reads; many calls at once answered in a row bring a ping for each.
  let forgiveNext = false;
  const forgive = () => {
    forgiveNext = true;
  };
  session.on("stream", (stream) => {
    openCalls++;
    forgive();
    stream.on("data", forgive);
    stream.once("close", () => {
      openCalls--;
      forgive();
    });
  });
  session.on("ping", () => {
    const now = performance.now();
    if (forgiveNext) {
      forgiveNext = false;
      strikes = 0;
      lastPingAt = now;
      return;
    }
    const minInterval = openCalls === 0 && !policy.keepalivePermitWithoutStream ? IDLE_PING_INTERVAL_MS : policy.keepaliveMinTime;
    if (now - lastPingAt < minInterval) strikes++;
    lastPingAt = now;
    if (strikes > MAX_PING_STRIKES) {
      session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM, 0, Buffer.from(TOO_MANY_PINGS));
      session.destroy();
    }
  });
}
