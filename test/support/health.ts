import { create } from "@bufbuild/protobuf";
import { type ClientReadableStream, credentials, makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js";
import {
  Health,
  type HealthCheckRequest,
  HealthCheckRequestSchema,
  type HealthCheckResponse,
  type HealthCheckResponse_ServingStatus as ServingStatus,
} from "@kratos-ts/kratos/gen/grpc/health/v1/health_pb.js";
import { definitionOf } from "@kratos-ts/kratos/transport/grpc";

/** A grpc-js client of grpc.health.v1.Health, made from its descriptor. */
export interface HealthClient {
  check(req: HealthCheckRequest, cb: (err: ServiceError | null, res?: HealthCheckResponse) => void): unknown;
  watch(req: HealthCheckRequest): ClientReadableStream<HealthCheckResponse>;
  close(): void;
}

export function healthClient(address: string): HealthClient {
  const Client = makeGenericClientConstructor(definitionOf(Health), "Health");
  return new Client(address, credentials.createInsecure()) as unknown as HealthClient;
}

/** check asks for the status of service, and rejects with the call's error. */
export function check(client: HealthClient, service: string): Promise<ServingStatus | undefined> {
  return new Promise((resolve, reject) =>
    client.check(create(HealthCheckRequestSchema, { service }), (err, res) => (err ? reject(err) : resolve(res?.status))),
  );
}
