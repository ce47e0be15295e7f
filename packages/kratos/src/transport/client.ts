import { create, type DescMessage, type DescMethod, type DescMethodUnary, type Message, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { TextMapSetter } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { type Context, type Kind, TransportContext } from "../context/context.js";
import { currentContext } from "../context/current.js";
import { Header } from "../context/header.js";
import { GLOBAL_METADATA_PREFIX, serverMetadataOf } from "../context/metadata.js";
import { TRACE_CONTEXT } from "../context/trace.js";
import { chain, type Handler, type Middleware } from "../middleware/middleware.js";

/** What one call of a client may set. */
export interface CallOptions {
  /** The most the call may take, in ms; the client's timeout when omitted. The request being served ends it sooner if its deadline is. */
  timeout?: number;
  /** Aborting it cancels the call, which then rejects with ErrCanceled. */
  signal?: AbortSignal;
  /** Headers (HTTP) or metadata (gRPC) sent with the call. */
  header?: Record<string, string | readonly string[]>;
}

/** What both clients are made with. */
export interface ClientOptions {
  /** The server: http://host:port for HTTP, host:port for gRPC. */
  endpoint: string;
  /** A call's timeout when its options set none, in ms; 2000, as Kratos's clients. */
  timeout?: number;
  /** Client middleware, the first given outermost: the shape of server middleware, seeing each call's Context and request. */
  middleware?: Middleware[];
}

/** A call's timeout when neither the call nor its client sets one, in ms, as Kratos's clients. */
export const DEFAULT_CLIENT_TIMEOUT = 2000;

const propagator = new W3CTraceContextPropagator();

/**
 * propagateInto writes into a call's outgoing header what Kratos's client middleware sends on from the
 * request being served: its x-md-global-* metadata, and its span as the W3C traceparent (and tracestate), so
 * the called service's span is its child. Keys the call already has are left as they are.
 */
export function propagateInto(served: Context, has: (key: string) => boolean, set: (key: string, value: string, append: boolean) => void): void {
  const md = serverMetadataOf(served);
  for (const key of md.keys()) {
    if (key.startsWith(GLOBAL_METADATA_PREFIX) && !has(key)) for (const value of md.values(key)) set(key, value, true);
  }
  const traced = served.values.get(TRACE_CONTEXT);
  if (traced && !has("traceparent"))
    propagator.inject(traced, undefined, { set: (_, key, value) => set(key, value, false) } satisfies TextMapSetter<undefined>);
}

/**
 * Caller runs the calls of one client: it makes each call's Context, runs the client's middleware around the
 * transport's send, and ends the Context when the call settles. Both clients are built on it.
 */
export class Caller {
  private readonly timeout: number;
  private readonly handler: Handler;

  constructor(
    private readonly kind: Kind,
    opts: ClientOptions,
    send: (ctx: Context, req: Message) => Promise<Message>,
  ) {
    this.timeout = opts.timeout ?? DEFAULT_CLIENT_TIMEOUT;
    this.handler = chain(...(opts.middleware ?? []))(send as Handler);
  }

  /** call sends req to method, after the client's middleware, and returns its reply or rejects with a KratosError. */
  async call<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    req: MessageInitShape<I>,
    opts: CallOptions = {},
  ): Promise<MessageShape<O>> {
    const released: Array<() => void> = [];
    const ctx = this.contextOf(method, opts, released);
    try {
      return (await this.handler(ctx, create(method.input, req))) as MessageShape<O>;
    } finally {
      ctx.done();
      for (const release of released) release();
    }
  }

  /** contextOf makes a call's Context; what it listens to on signals that outlive the call, it unregisters in released. */
  private contextOf(method: DescMethod, opts: CallOptions, released: Array<() => void>): TransportContext {
    const served = currentContext();
    const deadline = Math.min(Date.now() + (opts.timeout ?? this.timeout), served?.deadline ?? Number.POSITIVE_INFINITY);
    const header = new Header();
    for (const [key, value] of Object.entries(opts.header ?? {})) {
      for (const v of typeof value === "string" ? [value] : value) header.add(key, v);
    }
    if (served)
      propagateInto(
        served,
        (key) => header.values(key).length > 0,
        (key, value, append) => (append ? header.add(key, value) : header.set(key, value)),
      );
    return new TransportContext({
      kind: this.kind,
      method,
      deadline,
      requestHeader: () => header,
      // The call is cancelled with the caller's signal, and with the request being served if it goes away; that
      // request's deadline is the call's already, which ends it as exceeded, not cancelled.
      onClientGone: (abort) => {
        const cancel = (signal: AbortSignal) => (signal.reason as { name?: string } | undefined)?.name !== "TimeoutError" && abort();
        for (const signal of [opts.signal, served?.signal]) {
          if (!signal) continue;
          if (signal.aborted) {
            cancel(signal);
            continue;
          }
          const onAbort = () => cancel(signal);
          signal.addEventListener("abort", onAbort, { once: true });
          released.push(() => signal.removeEventListener("abort", onAbort));
        }
      },
    });
  }
}
