import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type Any, anyIs, anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import { Metadata, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../gen/google/rpc/status_pb.js";
import { fromGRPCCode, toGRPCCode } from "./codes.js";
import type { Status } from "./errors.js";

/** The trailer that carries a serialized google.rpc.Status, as every gRPC implementation reads it. */
export const STATUS_DETAILS_KEY = "grpc-status-details-bin";

/**
 * toGRPCStatus turns an error status into a gRPC status whose details hold a google.rpc.ErrorInfo,
 * then the error's own typed details (a KratosError's details), in order.
 */
export function toGRPCStatus(s: Status & { details?: readonly Any[]; grpcCode?: number }): StatusObject {
  const code = s.grpcCode ?? toGRPCCode(s.code);
  const info = create(ErrorInfoSchema, { reason: s.reason, metadata: s.metadata });
  const details = [anyPack(ErrorInfoSchema, info), ...(s.details ?? [])];
  const rpcStatus = create(StatusSchema, { code, message: s.message, details });
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(toBinary(StatusSchema, rpcStatus)));
  return { code, details: s.message, metadata };
}

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as ServiceError).code === "number" && (err as ServiceError).metadata instanceof Metadata;
}

/** fromServiceError reads the status a gRPC client received, reason and metadata included. */
export function fromServiceError(err: unknown): Status | undefined {
  return readServiceError(err)?.status;
}

/**
 * readServiceError reads the status a gRPC client received, and the typed details besides its
 * google.rpc.ErrorInfo (e.g. a google.rpc.BadRequest), still packed.
 */
export function readServiceError(err: unknown): { status: Status; details: Any[] } | undefined {
  if (!isServiceError(err)) return undefined;
  const status: Status = { code: fromGRPCCode(err.code), reason: "", message: err.details, metadata: {} };
  const raw = err.metadata.get(STATUS_DETAILS_KEY)[0];
  if (raw instanceof Buffer) {
    try {
      const all = fromBinary(StatusSchema, raw).details;
      const i = all.findIndex((detail) => anyIs(detail, ErrorInfoSchema));
      const info = i >= 0 ? anyUnpack(all[i] as Any, ErrorInfoSchema) : undefined;
      const details = all.filter((_, j) => j !== i);
      if (info) return { status: { ...status, reason: info.reason, metadata: { ...info.metadata } }, details };
      return { status, details };
    } catch {
      // A peer sent details we cannot read; the code and message still stand.
    }
  }
  return { status, details: [] };
}
