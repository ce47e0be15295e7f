export { CLIENT_CLOSED, OK_CODE, UNKNOWN_CODE, UNKNOWN_REASON, fromGRPCCode, toGRPCCode } from "./codes.js";
export * from "./errors.js";
export { STATUS_DETAILS_KEY, fromServiceError, toGRPCStatus } from "./grpc.js";
export { ErrUnknownRequest, type FailedRequest, publicError } from "./public.js";
