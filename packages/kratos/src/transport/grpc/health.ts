import { create } from "@bufbuild/protobuf";
import { status as GRPCStatus, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData } from "@grpc/grpc-js";
import {
  type HealthCheckRequest,
  type HealthCheckResponse,
  HealthCheckResponseSchema,
  type HealthListResponse,
  HealthListResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../gen/grpc/health/v1/health_pb.js";

export { ServingStatus };

/**
 * HealthService implements grpc.health.v1.Health. The server as a whole is the service "";
 * shutdown marks every service NOT_SERVING for good and ends the Watch streams so they do not hold up a stop.
 */
export class HealthService {
  private readonly statuses = new Map<string, ServingStatus>([["", ServingStatus.SERVING]]);
  private readonly watchers = new Set<{ service: string; call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse> }>();
  private shutDown = false;

  setStatus(service: string, status: ServingStatus): void {
    if (this.shutDown) return;
    this.statuses.set(service, status);
    for (const w of this.watchers) if (w.service === service) w.call.write(response(status));
  }

  shutdown(): void {
    for (const service of this.statuses.keys()) this.setStatus(service, ServingStatus.NOT_SERVING);
    this.shutDown = true;
    for (const w of this.watchers) w.call.end();
    this.watchers.clear();
  }

  /** The grpc-js handlers, keyed as definitionOf keys the methods. */
  handlers() {
    return {
      check: (call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: sendUnaryData<HealthCheckResponse>) => {
        const status = this.statuses.get(call.request.service);
        if (status === undefined) callback({ code: GRPCStatus.NOT_FOUND, details: "unknown service" });
        else callback(null, response(status));
      },
      list: (_call: ServerUnaryCall<unknown, HealthListResponse>, callback: sendUnaryData<HealthListResponse>) => {
        const statuses: Record<string, HealthCheckResponse> = {};
        for (const [service, status] of this.statuses) statuses[service] = response(status);
        callback(null, create(HealthListResponseSchema, { statuses }));
      },
      watch: (call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
        const service = call.request.service;
        call.write(response(this.statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN));
        if (this.shutDown) {
          call.end();
          return;
        }
        const watcher = { service, call };
        this.watchers.add(watcher);
        call.on("cancelled", () => this.watchers.delete(watcher));
      },
    };
  }
}

function response(status: ServingStatus): HealthCheckResponse {
  return create(HealthCheckResponseSchema, { status });
}
