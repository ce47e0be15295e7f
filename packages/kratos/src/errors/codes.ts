import { status as GRPCStatus } from "@grpc/grpc-js";

/** The code of a request that succeeded, as errors.code() reports for no error. */
export const OK_CODE = 200;
/** The code and reason of an error that carries no code of its own. */
export const UNKNOWN_CODE = 500;
export const UNKNOWN_REASON = "";
/** The code a client-cancelled request gets. */
export const CLIENT_CLOSED = 499;

const httpToGRPC = new Map<number, GRPCStatus>([
  [200, GRPCStatus.OK],
  [400, GRPCStatus.INVALID_ARGUMENT],
  [401, GRPCStatus.UNAUTHENTICATED],
  [403, GRPCStatus.PERMISSION_DENIED],
  [404, GRPCStatus.NOT_FOUND],
  [409, GRPCStatus.ABORTED],
  [429, GRPCStatus.RESOURCE_EXHAUSTED],
  [500, GRPCStatus.INTERNAL],
  [501, GRPCStatus.UNIMPLEMENTED],
  [503, GRPCStatus.UNAVAILABLE],
  [504, GRPCStatus.DEADLINE_EXCEEDED],
  [499, GRPCStatus.CANCELLED],
]);

const grpcToHTTP = new Map<GRPCStatus, number>([
  [GRPCStatus.OK, 200],
  [GRPCStatus.CANCELLED, 499],
  [GRPCStatus.UNKNOWN, 500],
  [GRPCStatus.INVALID_ARGUMENT, 400],
  [GRPCStatus.DEADLINE_EXCEEDED, 504],
  [GRPCStatus.NOT_FOUND, 404],
  [GRPCStatus.ALREADY_EXISTS, 409],
  [GRPCStatus.PERMISSION_DENIED, 403],
  [GRPCStatus.UNAUTHENTICATED, 401],
  [GRPCStatus.RESOURCE_EXHAUSTED, 429],
  [GRPCStatus.FAILED_PRECONDITION, 400],
  [GRPCStatus.ABORTED, 409],
  [GRPCStatus.OUT_OF_RANGE, 400],
  [GRPCStatus.UNIMPLEMENTED, 501],
  [GRPCStatus.INTERNAL, 500],
  [GRPCStatus.UNAVAILABLE, 503],
  [GRPCStatus.DATA_LOSS, 500],
]);

/** toGRPCCode maps an HTTP code to a gRPC code, as Kratos does. */
export function toGRPCCode(httpCode: number): GRPCStatus {
  return httpToGRPC.get(httpCode) ?? GRPCStatus.UNKNOWN;
}

/** fromGRPCCode maps a gRPC code to an HTTP code, as Kratos does. */
export function fromGRPCCode(grpcCode: GRPCStatus): number {
  return grpcToHTTP.get(grpcCode) ?? UNKNOWN_CODE;
}
