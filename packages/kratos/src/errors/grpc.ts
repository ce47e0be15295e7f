import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import { Metadata, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../gen/google/rpc/status_pb.js";
import { fromGRPCCode, toGRPCCode } from "./codes.js";
import type { Status } from "./errors.js";

/** The trailer that carries a serialized google.rpc.Status, as every gRPC implementation reads it. */
export const STATUS_DETAILS_KEY = "grpc-status-details-bin";

/** toGRPCStatus turns an error status into a gRPC status whose details hold a google.rpc.ErrorInfo. */
export function toGRPCStatus(s: Status): StatusObject {
  const code = toGRPCCode(s.code);
  const info = create(ErrorInfoSchema, { reason: s.reason, metadata: s.metadata });
  const rpcStatus = create(StatusSchema, { code, message: s.message, details: [anyPack(ErrorInfoSchema, info)] });
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(toBinary(StatusSchema, rpcStatus)));
  return { code, details: s.message, metadata };
}

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as ServiceError).code === "number" && (err as ServiceError).metadata instanceof Metadata;
}

/** fromServiceError reads the status a gRPC client received, reason and metadata included. */
export function fromServiceError(err: unknown): Status | undefined {
  if (!isServiceError(err)) return undefined;
  const status: Status = { code: fromGRPCCode(err.code), reason: "", message: err.details, metadata: {} };
  const raw = err.metadata.get(STATUS_DETAILS_KEY)[0];
  if (raw instanceof Buffer) {
    try {
      for (const detail of fromBinary(StatusSchema, raw).details) {
        const info = anyUnpack(detail, ErrorInfoSchema);
        if (info) return { ...status, reason: info.reason, metadata: { ...info.metadata } };
      }
    } catch {
      // A peer sent details we cannot read; the code and message still stand.
    }
  }
  return status;
}
