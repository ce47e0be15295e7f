/** The gRPC status codes, for withGRPCCode. */
export { status as GRPCCode } from "@grpc/grpc-js";
export { abortError, ErrCanceled, ErrDeadlineExceeded, untilAborted } from "./abort.js";
export { CLIENT_CLOSED, fromGRPCCode, OK_CODE, toGRPCCode, UNKNOWN_CODE, UNKNOWN_REASON } from "./codes.js";
export * from "./errors.js";
export { fromServiceError, readServiceError, STATUS_DETAILS_KEY, toGRPCStatus } from "./grpc.js";
export { answerOf, ErrUnknownRequest, type FailedRequest, messageOf, publicError } from "./public.js";
