import {
  type DescMessage,
  type DescMethodUnary,
  type DescService,
  fromBinary,
  type Message,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import {
  type ChannelCredentials,
  Client,
  credentials,
  type ClientOptions as GRPCJSClientOptions,
  InterceptingCall,
  type Interceptor,
  type Metadata,
  makeGenericClientConstructor,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import type { Context } from "../../context/context.js";
import { currentContext } from "../../context/current.js";
import { abortError, ErrDeadlineExceeded } from "../../errors/abort.js";
import { UNKNOWN_REASON } from "../../errors/codes.js";
import { findError, type KratosError } from "../../errors/errors.js";
import { Caller, type CallOptions, type ClientOptions, propagateInto } from "../client.js";
import { definitionOf } from "./definition.js";
import { headerOf, metadataOf } from "./metadata.js";

/**
 * propagation sends on, with every call made while a request is served, what Kratos's client middleware
 * sends: the request's x-md-global-* metadata, and its span as the W3C traceparent (and tracestate), so the
 * called service's span is its child. Keys the caller set on the call's own metadata are left as they are.
 */
export const propagation: Interceptor = (options, nextCall) =>
  new InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      const ctx = currentContext();
      if (ctx)
        propagateInto(
          ctx,
          (key) => metadata.get(key).length > 0,
          (key, value, append) => (append ? metadata.add(key, value) : metadata.set(key, value)),
        );
      next(metadata, listener);
    },
  });

/**
 * clientConstructorOf makes the grpc-js client class of a service from its descriptor, with propagation
 * first among its interceptors; generated clients are made by it.
 *
 * @example
 * const GreeterClient = clientConstructorOf(Greeter);
 * const client = new GreeterClient("127.0.0.1:9000", credentials.createInsecure());
 */
export function clientConstructorOf(service: DescService): typeof Client {
  const Base = makeGenericClientConstructor(definitionOf(service), service.typeName);
  return class extends Base {
    constructor(address: string, credentials: ConstructorParameters<typeof Client>[1], options?: Partial<GRPCJSClientOptions>) {
      super(address, credentials, { ...options, interceptors: [propagation, ...(options?.interceptors ?? [])] });
    }
  } as unknown as typeof Client;
}

/** What a GRPCClient is made with: the endpoint (host:port), timeout and middleware of every client, and grpc-js's own. */
export interface GRPCClientOptions extends ClientOptions {
  /** The channel's credentials; insecure (plaintext) when omitted, as Kratos's grpc.DialInsecure. */
  credentials?: ChannelCredentials;
  /** grpc-js channel options, e.g. "grpc.max_receive_message_length". */
  channelOptions?: Partial<GRPCJSClientOptions>;
}

/**
 * GRPCClient calls Kratos services over gRPC through the same model as its HTTPClient: each call goes through
 * the client's middleware with its Context, carries the deadline (the call's timeout, or the request being
 * served's if sooner) and the x-md-global-* metadata and trace of that request, and fails with the KratosError
 * the server sent, read from the status's google.rpc.ErrorInfo (Kratos's errors.FromError). Generated clients
 * (newGreeterGRPCClient) are typed views of it.
 *
 * @example
 * const client = newGreeterGRPCClient(new GRPCClient({ endpoint: "127.0.0.1:9000", timeout: 1000 }));
 * const reply = await client.sayHello({ name: "kratos" }); // reply.message: "Hello kratos"
 */
export class GRPCClient {
  private readonly client: Client;
  private readonly caller: Caller;

  constructor(opts: GRPCClientOptions) {
    this.client = new Client(opts.endpoint, opts.credentials ?? credentials.createInsecure(), opts.channelOptions);
    this.caller = new Caller("grpc", opts, (ctx, req) => this.send(ctx, req));
  }

  /** invoke calls method with req through the client's middleware; its reply, or a KratosError. */
  invoke<I extends DescMessage, O extends DescMessage>(method: DescMethodUnary<I, O>, req: MessageInitShape<I>, opts?: CallOptions): Promise<MessageShape<O>> {
    return this.caller.call(method, req, opts);
  }

  /** close closes the channel; calls made after it fail. */
  close(): void {
    this.client.close();
  }

  private send(ctx: Context, req: Message): Promise<Message> {
    const { input, output } = ctx.method;
    const metadata = metadataOf(ctx.requestHeader, "request header");
    const signal = ctx.signal;
    if (signal.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const call = this.client.makeUnaryRequest(
        ctx.operation,
        (m: Message) => Buffer.from(toBinary(input, m)),
        (bytes: Buffer) => fromBinary(output, bytes),
        req,
        metadata,
        { deadline: new Date(ctx.deadline) },
        (err, reply) => {
          signal.removeEventListener("abort", cancel);
          if (err) reject(errorOf(err, signal));
          else resolve(reply as Message);
        },
      );
      const cancel = () => call.cancel();
      signal.addEventListener("abort", cancel, { once: true });
      call.on("metadata", (md: Metadata) => {
        const header = headerOf(md);
        for (const key of header.keys()) for (const value of header.values(key)) ctx.replyHeader.add(key, value);
      });
    });
  }
}

/**
 * errorOf is the KratosError of a failed call: the server's, read from its status; a call its own deadline or
 * signal ended, ErrDeadlineExceeded or ErrCanceled, as the HTTP client gives.
 */
function errorOf(err: ServiceError, signal: AbortSignal): KratosError {
  const sent = findError(err) as KratosError;
  if (sent.reason !== UNKNOWN_REASON) return sent;
  if (signal.aborted) return abortError(signal, err);
  if (err.code === status.DEADLINE_EXCEEDED) return ErrDeadlineExceeded.withCause(err);
  return sent;
}
