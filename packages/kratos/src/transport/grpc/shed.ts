import { constants, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { toGRPCStatus } from "../../errors/grpc.js";
import { ErrLimitExceed, type Limiter } from "../../ratelimit/limiter.js";

/** The trailers-only answer every shed call gets, made once: under overload each one must cost as little as it can. */
const SHED_TRAILERS = (() => {
  const status = toGRPCStatus(ErrLimitExceed);
  return {
    [constants.HTTP2_HEADER_STATUS]: 200,
    [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc+proto",
    "grpc-status": String(status.code),
    "grpc-message": encodeURIComponent(status.details),
    ...status.metadata.toHttp2Headers(),
  };
})();

/** The services no limiter sheds: an orchestrator's probe must see the truth, and a debugging client its schema. */
const NEVER_SHED = ["/grpc.health.v1.Health/", "/grpc.reflection."];

/**
 * shedStreams puts limiter in front of grpc-js's handling of each new stream of server: a call it refuses is
 * answered RESOURCE_EXHAUSTED, reason RATELIMIT, before grpc-js reads its message or makes a call of it.
 * onShed hears each, by its operation when operations has it, else "" (a path is no label for a metric).
 */
export function shedStreams(server: Http2Server, limiter: Limiter, operations: ReadonlySet<string>, onShed?: (operation: string) => void): void {
  const handlers = server.listeners("stream") as Array<(...args: unknown[]) => void>;
  server.removeAllListeners("stream");
  server.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, ...rest: unknown[]) => {
    if (!limiter.allow()) {
      const path = String(headers[constants.HTTP2_HEADER_PATH] ?? "");
      if (!NEVER_SHED.some((prefix) => path.startsWith(prefix))) {
        onShed?.(operations.has(path) ? path : "");
        // What the client still sends is read and dropped; an error after the answer has no one to tell.
        stream.once("error", () => {});
        stream.resume();
        stream.respond(SHED_TRAILERS, { endStream: true });
        return;
      }
    }
    for (const handler of handlers) handler.call(server, stream, headers, ...rest);
  });
}
