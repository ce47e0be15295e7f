import type { DescMethod } from "@bufbuild/protobuf";
import { ErrCanceled, ErrDeadlineExceeded, untilAborted } from "../errors/abort.js";
import { setLongTimeout } from "../timer.js";
import { Header } from "./header.js";
import { ContextValues } from "./values.js";

/** The transport a request came in on. */
export type Kind = "http" | "grpc";

/**
 * Context is what a handler and its middleware know about one request, whichever transport carried it.
 * Its signal aborts when the deadline passes or the client goes away.
 *
 * @example
 * async sayHello(ctx: Context, req: HelloRequest) {
 *   ctx.method.input; // HelloRequestSchema, e.g. for validation
 *   ctx.replyHeader.set("x-greeted", req.name);
 *   return this.uc.greet(ctx, req.name); // biz and data take the same ctx: ctx.signal to I/O, or ctx.race(work)
 * }
 */
export interface Context {
  readonly kind: Kind;
  /** The full gRPC method name, e.g. /helloworld.v1.Greeter/SayHello, on both transports. */
  readonly operation: string;
  /** The RPC being served: its service (method.parent), name, input and output schemas. */
  readonly method: DescMethod;
  /** The path template of the HTTP rule the request matched, e.g. /helloworld/{name}; undefined on gRPC. */
  readonly route?: string;
  readonly requestHeader: Header;
  /** Headers (HTTP) or initial metadata (gRPC) sent with the reply. */
  readonly replyHeader: Header;
  /** Milliseconds since the epoch after which the request has timed out. */
  readonly deadline: number;
  readonly signal: AbortSignal;
  /** Calls fn once the deadline passes, before the signal aborts; returns the function that unregisters fn. */
  onExpire(fn: () => void): () => void;
  /**
   * race settles as work does, unless the deadline passes or the client goes away first: then it rejects with
   * ErrDeadlineExceeded or ErrCanceled, as untilAborted(ctx.signal, work) does, without making the signal.
   *
   * @example
   * const row = await ctx.race(db.selectFrom("greeters").selectAll().where("id", "=", id).executeTakeFirst());
   */
  race<T>(work: Promise<T>): Promise<T>;
  /** Per-request values, keyed by createContextKey keys. */
  readonly values: ContextValues;
  /** The transport's own request object: a node:http IncomingMessage or a grpc-js ServerUnaryCall. */
  readonly raw: unknown;
}

/** What a transport knows when a request arrives; everything costly is read only when asked for. */
export interface ContextInit {
  kind: Kind;
  method: DescMethod;
  /** operationOf(method) when omitted; transports pass the one they computed once per method. */
  operation?: string;
  /** The path template of the HTTP rule the request matched. */
  route?: string;
  deadline: number;
  /** Reads the request's headers or metadata, the first time a handler asks for them. */
  requestHeader?: () => Header;
  raw?: unknown;
  /** Calls abort when the client goes away; asked only if a handler reads the signal. */
  onClientGone?: (abort: () => void) => void;
}

/** operationOf returns the full gRPC method name of an RPC, e.g. /helloworld.v1.Greeter/SayHello. */
export function operationOf(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

// One reason of each kind for every signal: a DOMException captures a stack when made, and grpc-js emits
// "cancelled" as most calls' streams close (a profile under loadgen, a Go client), aborting their signals.
const DEADLINE_EXCEEDED = new DOMException("context deadline exceeded", "TimeoutError");
const CANCELED = new DOMException("context canceled", "AbortError");

/** TransportContext is the Context both transports build; its headers, values and signal are made only if asked for. */
export class TransportContext implements Context {
  readonly kind: Kind;
  readonly method: DescMethod;
  readonly operation: string;
  readonly route?: string;
  readonly deadline: number;
  readonly raw: unknown;
  private readonly init: ContextInit;
  private request?: Header;
  private reply?: Header;
  private store?: ContextValues;
  private controller?: AbortController;
  private cancelTimer?: () => void;
  private expiry?: Array<() => void>;
  private gone?: Array<() => void>;
  private finished = false;

  constructor(init: ContextInit) {
    this.init = init;
    this.kind = init.kind;
    this.method = init.method;
    this.operation = init.operation ?? operationOf(init.method);
    this.route = init.route;
    this.deadline = init.deadline;
    this.raw = init.raw;
  }

  get requestHeader(): Header {
    this.request ??= this.init.requestHeader?.() ?? new Header();
    return this.request;
  }

  get replyHeader(): Header {
    this.reply ??= new Header();
    return this.reply;
  }

  /** The reply header if anything was set on it, for the transport to send; undefined saves the copy. */
  get replyHeaderIfSet(): Header | undefined {
    return this.reply && this.reply.size > 0 ? this.reply : undefined;
  }

  get values(): ContextValues {
    this.store ??= new ContextValues();
    return this.store;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = new AbortController();
      this.controller = controller;
      const remaining = this.deadline - Date.now();
      // A request already answered (at its deadline, say, its handler still running) is over, as Go's context is.
      if (this.finished) {
        controller.abort(remaining <= 0 ? DEADLINE_EXCEEDED : CANCELED);
        return controller.signal;
      }
      if (remaining <= 0) controller.abort(DEADLINE_EXCEEDED);
      else this.armDeadline();
      this.whenClientGone(() => controller.abort(CANCELED));
    }
    return this.controller.signal;
  }

  /**
   * onExpire calls fn once the deadline passes, before the signal aborts, so what fn does comes first; it
   * returns the function that unregisters fn. It costs the request a timer, where the signal costs an
   * AbortController as well. The transports answer every call by its deadline with it.
   */
  onExpire(fn: () => void): () => void {
    this.expiry ??= [];
    this.armDeadline();
    return addTo(this.expiry, fn);
  }

  race<T>(work: Promise<T>): Promise<T> {
    // A signal made already is the one truth; else a timer callback and the transport's hook cost less than one.
    if (this.controller) return untilAborted(this.controller.signal, work);
    if (this.finished || this.deadline <= Date.now()) return untilAborted(this.signal, work);
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        unregister();
        fn();
      };
      const unexpire = this.onExpire(() => settle(() => reject(ErrDeadlineExceeded.withCause(DEADLINE_EXCEEDED))));
      const ungone = this.whenClientGone(() => settle(() => reject(ErrCanceled.withCause(CANCELED))));
      const unregister = () => {
        unexpire();
        ungone();
      };
      work.then(
        (value) => settle(() => resolve(value)),
        (err: unknown) => settle(() => reject(err)),
      );
    });
  }

  // One hook on the transport for the whole request, however many ask: a listener each would pile up on the call.
  private whenClientGone(fn: () => void): () => void {
    if (!this.gone) {
      const gone: Array<() => void> = [];
      this.gone = gone;
      this.init.onClientGone?.(() => runAll(gone));
    }
    return addTo(this.gone, fn);
  }

  /** done releases the deadline timer once the reply is sent. */
  done(): void {
    this.finished = true;
    this.cancelTimer?.();
  }

  // One timer per request, whichever asked first, so the deadline fires everything in one order.
  private armDeadline(): void {
    if (this.cancelTimer || this.finished) return;
    this.cancelTimer = setLongTimeout(() => this.expire(), Math.max(0, this.deadline - Date.now()), true);
  }

  private expire(): void {
    const expiry = this.expiry;
    this.expiry = undefined;
    if (expiry) runAll(expiry);
    this.controller?.abort(DEADLINE_EXCEEDED);
  }
}

/** addTo puts fn on list and returns the function that takes it off again. */
function addTo(list: Array<() => void>, fn: () => void): () => void {
  list.push(fn);
  return () => {
    const i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
  };
}

/** runAll empties list, then calls what it held: a callback that takes itself off (race settling) skips no other. */
function runAll(list: Array<() => void>): void {
  for (const fn of list.splice(0)) fn();
}

/** deadlineAfter returns the deadline of a request that starts now and may take timeoutMs. */
export function deadlineAfter(timeoutMs: number): number {
  return Date.now() + timeoutMs;
}
