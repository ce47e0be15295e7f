import { Header } from "./header.js";

/** The transport a request came in on. */
export type Kind = "http" | "grpc";

/**
 * Context is what a handler and its middleware know about one request, whichever transport carried it.
 * Its signal aborts when the deadline passes or the client goes away.
 */
export interface Context {
  readonly kind: Kind;
  /** The full gRPC method name, e.g. /helloworld.v1.Greeter/SayHello, on both transports. */
  readonly operation: string;
  readonly requestHeader: Header;
  /** Headers (HTTP) or initial metadata (gRPC) sent with the reply. */
  readonly replyHeader: Header;
  /** Milliseconds since the epoch after which the request has timed out. */
  readonly deadline: number;
  readonly signal: AbortSignal;
  /** The transport's own request object: an express Request or a grpc-js ServerUnaryCall. */
  readonly raw: unknown;
}

/** TransportContext is the Context both transports build; its abort signal is made only if asked for. */
export class TransportContext implements Context {
  readonly replyHeader = new Header();
  private controller?: AbortController;
  private timer?: NodeJS.Timeout;
  private finished = false;

  constructor(
    readonly kind: Kind,
    readonly operation: string,
    readonly requestHeader: Header,
    readonly deadline: number,
    readonly raw: unknown,
    private readonly onClientGone: (abort: () => void) => void,
  ) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = new AbortController();
      this.controller = controller;
      if (this.finished) return controller.signal;
      const remaining = this.deadline - Date.now();
      const expire = () => controller.abort(new DOMException("context deadline exceeded", "TimeoutError"));
      if (remaining <= 0) expire();
      else this.timer = setTimeout(expire, remaining).unref();
      this.onClientGone(() => controller.abort(new DOMException("context canceled", "AbortError")));
    }
    return this.controller.signal;
  }

  /** done releases the deadline timer once the reply is sent. */
  done(): void {
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

/** deadlineAfter returns the deadline of a request that starts now and may take timeoutMs. */
export function deadlineAfter(timeoutMs: number): number {
  return Date.now() + timeoutMs;
}
