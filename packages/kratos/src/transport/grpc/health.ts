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
import type { Readiness, ReadinessResult } from "../../health/readiness.js";

export { ServingStatus };

export interface HealthServiceOptions {
  /** When set, a service marked SERVING answers NOT_SERVING while this readiness fails. */
  readiness?: Readiness;
  /** How often the readiness is evaluated while Watch streams are open; 5s by default. */
  watchInterval?: number;
}

interface Watcher {
  service: string;
  call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>;
  sent?: ServingStatus;
}

/**
 * HealthService implements grpc.health.v1.Health. The server as a whole is the service "";
 * shutdown marks every service NOT_SERVING for good and ends the Watch streams so they do not hold up a stop.
 * With a readiness, every service marked SERVING follows it: Check and List evaluate it, and Watch streams
 * hear each change of it, from any evaluation (a Check, the HTTP /readyz, a stop) or from the periodic one
 * that runs while a stream is open.
 */
export class HealthService {
  private readonly statuses = new Map<string, ServingStatus>([["", ServingStatus.SERVING]]);
  private readonly watchers = new Set<Watcher>();
  private shutDown = false;
  private ready: ReadinessResult = { ready: true };
  private timer?: NodeJS.Timeout;
  private readonly unsubscribe?: () => void;

  constructor(private readonly opts: HealthServiceOptions = {}) {
    this.unsubscribe = opts.readiness?.onChange((result) => {
      this.ready = result;
      this.notifyAll();
    });
  }

  setStatus(service: string, status: ServingStatus): void {
    if (this.shutDown) return;
    this.statuses.set(service, status);
    this.notifyAll();
  }

  shutdown(): void {
    for (const service of this.statuses.keys()) this.setStatus(service, ServingStatus.NOT_SERVING);
    this.shutDown = true;
    this.unsubscribe?.();
    clearInterval(this.timer);
    this.timer = undefined;
    for (const w of this.watchers) w.call.end();
    this.watchers.clear();
  }

  /** The grpc-js handlers, keyed as definitionOf keys the methods. */
  handlers() {
    return {
      check: (call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: sendUnaryData<HealthCheckResponse>) => {
        if (!this.statuses.has(call.request.service)) {
          callback({ code: GRPCStatus.NOT_FOUND, details: "unknown service" });
          return;
        }
        void this.evaluate().then(() => callback(null, response(this.effective(call.request.service) ?? ServingStatus.SERVICE_UNKNOWN)));
      },
      list: (_call: ServerUnaryCall<unknown, HealthListResponse>, callback: sendUnaryData<HealthListResponse>) => {
        void this.evaluate().then(() => {
          const statuses: Record<string, HealthCheckResponse> = {};
          for (const service of this.statuses.keys()) statuses[service] = response(this.effective(service) ?? ServingStatus.SERVICE_UNKNOWN);
          callback(null, create(HealthListResponseSchema, { statuses }));
        });
      },
      watch: (call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
        const service = call.request.service;
        if (this.shutDown) {
          call.write(response(this.effective(service) ?? ServingStatus.SERVICE_UNKNOWN));
          call.end();
          return;
        }
        // The first message waits for a fresh evaluation, so a stream opened while the readiness fails starts NOT_SERVING.
        const w: Watcher = { service, call };
        this.watchers.add(w);
        call.on("cancelled", () => {
          this.watchers.delete(w);
          if (this.watchers.size === 0) this.stopPolling();
        });
        this.startPolling();
        void this.evaluate().then(() => {
          if (this.watchers.has(w)) this.notify(w);
        });
      },
    };
  }

  /** evaluate brings the readiness result up to date; the onChange listener records it. */
  private async evaluate(): Promise<void> {
    if (this.opts.readiness && !this.shutDown) this.ready = await this.opts.readiness.check();
  }

  private effective(service: string): ServingStatus | undefined {
    const status = this.statuses.get(service);
    if (status === ServingStatus.SERVING && !this.ready.ready) return ServingStatus.NOT_SERVING;
    return status;
  }

  private notifyAll(): void {
    for (const w of this.watchers) this.notify(w);
  }

  /** notify writes the watcher's service status when it differs from the last one the stream was sent. */
  private notify(w: Watcher): void {
    const status = this.effective(w.service) ?? ServingStatus.SERVICE_UNKNOWN;
    if (status === w.sent) return;
    w.sent = status;
    w.call.write(response(status));
  }

  private startPolling(): void {
    if (!this.opts.readiness || this.timer) return;
    this.timer = setInterval(() => void this.evaluate(), this.opts.watchInterval ?? 5000);
    this.timer.unref();
  }

  private stopPolling(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

function response(status: ServingStatus): HealthCheckResponse {
  return create(HealthCheckResponseSchema, { status });
}
