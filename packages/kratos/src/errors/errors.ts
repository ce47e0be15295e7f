import { format } from "node:util";
import type { Any } from "@bufbuild/protobuf/wkt";
import { UNKNOWN_CODE, UNKNOWN_REASON } from "./codes.js";
import { readServiceError } from "./grpc.js";

export type Metadata = Record<string, string>;

/** The wire shape of an error: the body of an HTTP error response. */
export interface Status {
  code: number;
  reason: string;
  message: string;
  metadata: Metadata;
}

/** What a KratosError carries besides its code, reason, message and metadata. */
export interface KratosErrorOptions {
  /** The error behind this one; it never reaches a client. */
  cause?: unknown;
  /**
   * Typed details, e.g. a packed google.rpc.BadRequest: a gRPC status carries them after its
   * google.rpc.ErrorInfo, and a gRPC client reads them back. The HTTP error body has no place for them.
   */
  details?: readonly Any[];
  /** The gRPC code to send instead of the one the HTTP code maps to; see withGRPCCode. */
  grpcCode?: number;
}

/** KratosError is an error with an HTTP-style code, a machine-readable reason and metadata. */
export class KratosError extends Error implements Status {
  override readonly name = "KratosError";
  readonly code: number;
  readonly reason: string;
  readonly metadata: Metadata;
  readonly details: readonly Any[];
  /** The gRPC code this error is sent with when it is not the one its HTTP code maps to. */
  readonly grpcCode?: number;

  constructor(code: number, reason: string, message: string, metadata: Metadata = {}, options?: KratosErrorOptions) {
    super(message, options && "cause" in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.reason = reason;
    this.metadata = metadata;
    this.details = options?.details ?? [];
    this.grpcCode = options?.grpcCode;
  }

  /** The options a copy keeps: all but the cause and metadata, which the copying method sets. */
  private carried(): KratosErrorOptions {
    return { details: this.details, grpcCode: this.grpcCode };
  }

  /** withCause returns a copy that wraps cause; the cause never reaches a client. */
  withCause(cause: unknown): KratosError {
    return new KratosError(this.code, this.reason, this.message, { ...this.metadata }, { ...this.carried(), cause });
  }

  /** withMetadata returns a copy with the given metadata. */
  withMetadata(metadata: Metadata): KratosError {
    return new KratosError(this.code, this.reason, this.message, { ...metadata }, { ...this.carried(), cause: this.cause });
  }

  /**
   * withDetails returns a copy that carries these typed details as well, packed with anyPack.
   *
   * @example
   * badRequest("VALIDATOR", "invalid HelloRequest.name: ...").withDetails(anyPack(BadRequestSchema, violations))
   */
  withDetails(...details: Any[]): KratosError {
    return new KratosError(
      this.code,
      this.reason,
      this.message,
      { ...this.metadata },
      { ...this.carried(), cause: this.cause, details: [...this.details, ...details] },
    );
  }

  /**
   * withGRPCCode returns a copy sent over gRPC with code instead of the one its HTTP code maps to, where the
   * HTTP code is too coarse: a 409 is ABORTED by Kratos's table, but "already exists" is ALREADY_EXISTS. A Kratos
   * client maps either back to the same HTTP code, so isX checks hold on both transports.
   *
   * @example
   * export const ErrGreeterAlreadyExists = errorGreeterAlreadyExists("greeter already exists").withGRPCCode(GRPCCode.ALREADY_EXISTS);
   */
  withGRPCCode(grpcCode: number): KratosError {
    return new KratosError(this.code, this.reason, this.message, { ...this.metadata }, { ...this.carried(), cause: this.cause, grpcCode });
  }

  /** is reports whether err has the same code and reason. */
  is(err: unknown): boolean {
    return err instanceof KratosError && err.code === this.code && err.reason === this.reason;
  }

  toStatus(): Status {
    return { code: this.code, reason: this.reason, message: this.message, metadata: this.metadata };
  }

  override toString(): string {
    return `error: code = ${this.code} reason = ${this.reason} message = ${this.message} metadata = ${JSON.stringify(this.metadata)}`;
  }
}

export function newError(code: number, reason: string, message: string): KratosError {
  return new KratosError(code, reason, message);
}

export function errorf(code: number, reason: string, fmt: string, ...args: unknown[]): KratosError {
  return new KratosError(code, reason, format(fmt, ...args));
}

/** findError finds the KratosError in err's cause chain, or reads the status a gRPC client received. */
export function findError(err: unknown): KratosError | undefined {
  for (let e: unknown = err, depth = 0; e != null && depth < 16; depth++) {
    if (e instanceof KratosError) return e;
    e = e instanceof Error ? e.cause : undefined;
  }
  const received = readServiceError(err);
  return (
    received &&
    new KratosError(received.status.code, received.status.reason, received.status.message, received.status.metadata, { cause: err, details: received.details })
  );
}

/** fromError is findError, with anything else as an unknown 500 that keeps its message. */
export function fromError(err: unknown): KratosError {
  const found = findError(err);
  if (found) return found;
  const message = err instanceof Error ? err.message : String(err);
  return new KratosError(UNKNOWN_CODE, UNKNOWN_REASON, message, {}, { cause: err });
}

/** code returns the HTTP-style code of err; 200 for no error. */
export function code(err: unknown): number {
  return err == null ? 200 : fromError(err).code;
}

/** reason returns the reason of err; "" for no error or a foreign one. */
export function reason(err: unknown): string {
  return err == null ? UNKNOWN_REASON : fromError(err).reason;
}

export const badRequest = (reason: string, message: string) => newError(400, reason, message);
export const unauthorized = (reason: string, message: string) => newError(401, reason, message);
export const forbidden = (reason: string, message: string) => newError(403, reason, message);
export const notFound = (reason: string, message: string) => newError(404, reason, message);
export const conflict = (reason: string, message: string) => newError(409, reason, message);
export const internalServer = (reason: string, message: string) => newError(500, reason, message);
export const serviceUnavailable = (reason: string, message: string) => newError(503, reason, message);
export const gatewayTimeout = (reason: string, message: string) => newError(504, reason, message);
export const clientClosed = (reason: string, message: string) => newError(499, reason, message);

export const isBadRequest = (err: unknown) => code(err) === 400;
export const isUnauthorized = (err: unknown) => code(err) === 401;
export const isForbidden = (err: unknown) => code(err) === 403;
export const isNotFound = (err: unknown) => code(err) === 404;
export const isConflict = (err: unknown) => code(err) === 409;
export const isInternalServer = (err: unknown) => code(err) === 500;
export const isServiceUnavailable = (err: unknown) => code(err) === 503;
export const isGatewayTimeout = (err: unknown) => code(err) === 504;
export const isClientClosed = (err: unknown) => code(err) === 499;
