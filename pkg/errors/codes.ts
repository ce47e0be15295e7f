import { status as GrpcStatus } from "@grpc/grpc-js";

/** The code of a request that succeeded, as errors.code() reports for no error. */
export const OK_CODE = 200;
/** The code and reason of an error that carries no code of its own. */
export const UNKNOWN_CODE = 500;
export const UNKNOWN_REASON = "";
/** The code a client-cancelled request gets. */
export const CLIENT_CLOSED = 499;

const httpToGrpc = new Map<number, GrpcStatus>([
  [200, GrpcStatus.OK],
  [400, GrpcStatus.INVALID_ARGUMENT],
  [401, GrpcStatus.UNAUTHENTICATED],
  [403, GrpcStatus.PERMISSION_DENIED],
  [404, GrpcStatus.NOT_FOUND],
  [409, GrpcStatus.ABORTED],
  [429, GrpcStatus.RESOURCE_EXHAUSTED],
  [500, GrpcStatus.INTERNAL],
  [501, GrpcStatus.UNIMPLEMENTED],
  [503, GrpcStatus.UNAVAILABLE],
  [504, GrpcStatus.DEADLINE_EXCEEDED],
  [499, GrpcStatus.CANCELLED],
]);

const grpcToHttp = new Map<GrpcStatus, number>([
  [GrpcStatus.OK, 200],
  [GrpcStatus.CANCELLED, 499],
  [GrpcStatus.UNKNOWN, 500],
  [GrpcStatus.INVALID_ARGUMENT, 400],
  [GrpcStatus.DEADLINE_EXCEEDED, 504],
  [GrpcStatus.NOT_FOUND, 404],
  [GrpcStatus.ALREADY_EXISTS, 409],
  [GrpcStatus.PERMISSION_DENIED, 403],
  [GrpcStatus.UNAUTHENTICATED, 401],
  [GrpcStatus.RESOURCE_EXHAUSTED, 429],
  [GrpcStatus.FAILED_PRECONDITION, 400],
  [GrpcStatus.ABORTED, 409],
  [GrpcStatus.OUT_OF_RANGE, 400],
  [GrpcStatus.UNIMPLEMENTED, 501],
  [GrpcStatus.INTERNAL, 500],
  [GrpcStatus.UNAVAILABLE, 503],
  [GrpcStatus.DATA_LOSS, 500],
]);

/** toGrpcCode maps an HTTP code to a gRPC code, as Kratos does. */
export function toGrpcCode(httpCode: number): GrpcStatus {
  return httpToGrpc.get(httpCode) ?? GrpcStatus.UNKNOWN;
}

/** fromGrpcCode maps a gRPC code to an HTTP code, as Kratos does. */
export function fromGrpcCode(grpcCode: GrpcStatus): number {
  return grpcToHttp.get(grpcCode) ?? UNKNOWN_CODE;
}
