import {
  type DescMessage,
  type DescMethod,
  type DescMethodUnary,
  fromJson,
  type JsonValue,
  type Message,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import type { Context } from "../../context/context.js";
import { abortError } from "../../errors/abort.js";
import { UNKNOWN_REASON } from "../../errors/codes.js";
import { KratosError } from "../../errors/errors.js";
import { Caller, type CallOptions, type ClientOptions } from "../client.js";
import { codecError } from "./binding.js";
import { encodeRequest } from "./encode.js";
import { type Binding, bindingsOf } from "./rules.js";

/**
 * HTTPClient calls a Kratos service over HTTP/JSON, as Kratos's http.NewClient: each call goes through the
 * client's middleware, to the first google.api.http binding of its method, with the request's fields in the
 * path, query and body as the server binds them; the reply is read with the same proto3 JSON mapping, and an
 * error reply becomes the KratosError the server sent, so the generated isX checks work on it. The deadline is
 * the call's timeout, or the request being served's if sooner; x-md-global-* metadata and the trace are sent on.
 * Generated clients (newGreeterHTTPClient) are typed views of it.
 *
 * @example
 * const client = newGreeterHTTPClient(new HTTPClient({ endpoint: "http://127.0.0.1:8000", timeout: 1000 }));
 * const reply = await client.sayHello({ name: "kratos" }); // reply.message: "Hello kratos"
 */
export class HTTPClient {
  private readonly base: string;
  private readonly caller: Caller;
  private readonly bindings = new WeakMap<DescMethod, Binding>();

  constructor(opts: ClientOptions) {
    const url = new URL(opts.endpoint);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`HTTP client endpoint ${opts.endpoint}: the scheme must be http or https`);
    this.base = url.href.replace(/\/+$/, "");
    this.caller = new Caller("http", opts, (ctx, req) => this.send(ctx, req));
  }

  /** invoke calls method with req through the client's middleware; its reply, or a KratosError. */
  invoke<I extends DescMessage, O extends DescMessage>(method: DescMethodUnary<I, O>, req: MessageInitShape<I>, opts?: CallOptions): Promise<MessageShape<O>> {
    return this.caller.call(method, req, opts);
  }

  private bindingOf(method: DescMethod): Binding {
    let binding = this.bindings.get(method);
    if (!binding) {
      binding = bindingsOf(method)[0];
      if (!binding) throw new Error(`${method.parent.typeName}.${method.name} has no google.api.http rule: it cannot be called over HTTP`);
      this.bindings.set(method, binding);
    }
    return binding;
  }

  private async send(ctx: Context, req: Message): Promise<Message> {
    const binding = this.bindingOf(ctx.method);
    const { path, query, body } = encodeRequest(ctx.method.input, binding, req);
    const headers = new Headers({ accept: "application/json" });
    for (const key of ctx.requestHeader.keys()) {
      try {
        for (const value of ctx.requestHeader.values(key)) headers.append(key, value);
      } catch (err) {
        throw new Error(`request header ${key}: ${(err as Error).message}`, { cause: err });
      }
    }
    if (body !== undefined) headers.set("content-type", "application/json");
    const signal = ctx.signal;
    let text: string;
    let status: number;
    try {
      const res = await fetch(`${this.base}${path}${query ? `?${query}` : ""}`, { method: binding.method, headers, body, signal });
      for (const [key, value] of res.headers) ctx.replyHeader.add(key, value);
      status = res.status;
      text = await res.text();
    } catch (err) {
      if (signal.aborted) throw abortError(signal, err);
      // No server, or no reply from it: 503, what a gRPC client gets as UNAVAILABLE.
      throw new KratosError(503, UNKNOWN_REASON, `${binding.method} ${this.base}${path}: ${causeOf(err)}`, {}, { cause: err });
    }
    if (status < 200 || status > 299) throw errorOf(status, text);
    return replyOf(ctx.method.output, binding, text);
  }
}

/** causeOf is the message of a failed fetch: undici puts the system's (ECONNREFUSED...) in its cause. */
function causeOf(err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause;
  return cause?.message ?? (err as Error).message;
}

function replyOf(output: DescMessage, binding: Binding, text: string): Message {
  let json: JsonValue;
  try {
    json = text === "" ? {} : (JSON.parse(text) as JsonValue);
    if (binding.responseBody) {
      const field = output.fields.find((f) => f.name === binding.responseBody);
      json = { [field?.jsonName ?? binding.responseBody]: json };
    }
    return fromJson(output, json, { ignoreUnknownFields: true });
  } catch (err) {
    throw codecError(`reply of ${output.typeName}: ${(err as Error).message}`, 500);
  }
}

/**
 * errorOf is the KratosError of an error reply, as Kratos's DefaultErrorDecoder: the code is the HTTP status,
 * the reason, message and metadata those of the body; a body that is no Kratos error gives the status alone.
 */
function errorOf(status: number, text: string): KratosError {
  try {
    const body = JSON.parse(text) as { reason?: unknown; message?: unknown; metadata?: unknown };
    if (body !== null && typeof body === "object") {
      const metadata = body.metadata !== null && typeof body.metadata === "object" ? (body.metadata as Record<string, unknown>) : {};
      return new KratosError(
        status,
        typeof body.reason === "string" ? body.reason : UNKNOWN_REASON,
        typeof body.message === "string" ? body.message : "",
        Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, String(v)])),
      );
    }
  } catch {
    // Not JSON: a proxy's page, say; the status is all there is.
  }
  return new KratosError(status, UNKNOWN_REASON, "");
}
