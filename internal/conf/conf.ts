import { address, duration } from "@kratos-ts/kratos/config";
import { z } from "zod";

const listener = (addr: string) =>
  z.strictObject({
    network: z.literal("tcp").prefault("tcp"),
    addr: address().prefault(addr),
    timeout: duration().prefault("1s"),
  });

const redis = z.strictObject({
  network: z.literal("tcp").prefault("tcp"),
  addr: address().prefault("127.0.0.1:6379"),
  read_timeout: duration().prefault("0.2s"),
  write_timeout: duration().prefault("0.2s"),
});

/** Bootstrap is the whole config: the Kratos keys, plus how the app stops and logs. */
export const Bootstrap = z.strictObject({
  server: z
    .strictObject({
      http: listener("0.0.0.0:8000")
        .extend({
          // How long a client may take to send the headers, and the whole request (Go's ReadHeaderTimeout and
          // ReadTimeout), and how long a keep-alive connection may idle (IdleTimeout).
          read_header_timeout: duration().prefault("10s"),
          read_timeout: duration().prefault("30s"),
          idle_timeout: duration().prefault("5s"),
          // The largest request head (Go's MaxHeaderBytes), at most Node's 16 KiB, and the largest body.
          max_header_bytes: z.number().int().min(1024).max(16384).prefault(16384),
          max_body_bytes: z
            .number()
            .int()
            .min(1)
            .max(64 * 1024 * 1024)
            .prefault(1024 * 1024),
          // Where the HTTP port serves the Prometheus metrics; "" serves none, and counts nothing.
          metrics_path: z
            .string()
            .regex(/^(\/[^{}]*)?$/, 'a literal path starting with "/", or "" for none')
            .prefault("/metrics"),
        })
        .prefault({}),
      grpc: listener("0.0.0.0:9000")
        .extend({
          // The largest request message (grpc-go's MaxRecvMsgSize), and the calls one connection may have open at once.
          max_recv_msg_size: z
            .number()
            .int()
            .min(1024)
            .max(64 * 1024 * 1024)
            .prefault(4 * 1024 * 1024),
          max_concurrent_streams: z.number().int().min(1).max(1_000_000).prefault(1000),
          // How long a new connection has to finish the HTTP/2 handshake (grpc-go's ConnectionTimeout), and how
          // often a client may ping (grpc-go's keepalive.EnforcementPolicy): more often gets GOAWAY too_many_pings.
          connection_timeout: duration().prefault("20s"),
          keepalive_min_time: duration().prefault("5m"),
          keepalive_permit_without_stream: z.boolean().prefault(false),
        })
        .prefault({}),
      // The adaptive limiter of both servers, as Kratos's ratelimit: while the event loop is busier than threshold,
      // a turn of it serves requests for max_turn and answers the rest at once 429 / RESOURCE_EXHAUSTED, reason RATELIMIT.
      ratelimit: z
        .strictObject({
          enabled: z.boolean().prefault(true),
          threshold: z.number().gt(0).max(1).prefault(0.8),
          max_turn: duration().prefault("5ms"),
        })
        .prefault({}),
    })
    .prefault({}),
  data: z
    .strictObject({
      database: z
        .strictObject({
          driver: z.enum(["sqlite", "postgres", "mysql"]).prefault("sqlite"),
          // A file path for sqlite (":memory:" for none), a connection URL for postgres and mysql.
          source: z.string().min(1).prefault("data/helloworld.db"),
          // The server's password, from the environment (HELLOWORLD_DATA_DATABASE_PASSWORD) or the file
          // password_file names (a mounted secret); a config file may not hold it (see secretInFile).
          password: z.string().prefault(""),
          password_file: z.string().prefault(""),
        })
        .prefault({}),
      redis: redis.prefault({}),
    })
    .prefault({}),
  app: z.strictObject({ stop_timeout: duration().prefault("10s") }).prefault({}),
  log: z
    .strictObject({
      level: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).prefault("info"),
      format: z.enum(["auto", "json", "pretty"]).prefault("auto"),
      caller: z.boolean().prefault(false),
      // One line per request (the logging middleware), as Kratos's logging.Server writes.
      access: z.boolean().prefault(true),
    })
    .prefault({}),
  trace: z
    .strictObject({
      // A server span per request and its ids in every log line it writes; false turns both off.
      enabled: z.boolean().prefault(true),
      // Where spans are exported over OTLP/HTTP, e.g. http://otel-collector:4318; "" leaves it to
      // OTEL_EXPORTER_OTLP_ENDPOINT, and exports nothing when that is unset too.
      endpoint: z
        .string()
        .regex(/^(https?:\/\/.+)?$/, 'an http:// or https:// URL, or "" for none')
        .prefault(""),
    })
    .prefault({}),
});

export type Bootstrap = z.output<typeof Bootstrap>;
export type ServerConf = Bootstrap["server"];
export type DataConf = Bootstrap["data"];
export type LogConf = Bootstrap["log"];
export type TraceConf = Bootstrap["trace"];

/** The prefix of the environment variables that override config keys: HELLOWORLD_SERVER_HTTP_ADDR and so on. */
export const ENV_PREFIX = "HELLOWORLD_";

const SECRET_ADVICE = `set it with ${ENV_PREFIX}DATA_DATABASE_PASSWORD or data.database.password_file, not in a config file`;

/**
 * secretInFile refuses the database password in a config file, and a source URL that holds one: a secret
 * comes from the environment or a mounted file, so a config file can be committed and shown without it.
 */
export function secretInFile(keyPath: readonly string[], value: unknown): string | undefined {
  const key = keyPath.join(".");
  if (key === "data.database.password") return `the password is a secret: ${SECRET_ADVICE}`;
  if (key === "data.database.source" && typeof value === "string" && URL.canParse(value) && new URL(value).password !== "") {
    return `the URL holds a password, a secret: ${SECRET_ADVICE}`;
  }
  return undefined;
}

export const SERVER_CONF = Symbol("ServerConf");
export const DATA_CONF = Symbol("DataConf");
export const APP_CONF = Symbol("AppConf");
export const LOG_CONF = Symbol("LogConf");
export const TRACE_CONF = Symbol("TraceConf");
