import type { ServiceError } from "@grpc/grpc-js";

/** call makes one grpc-js unary call and resolves with its reply. */
export function call<Reply>(start: (cb: (err: ServiceError | null, reply?: Reply) => void) => unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    start((err, reply) => (err ? reject(err) : resolve(reply as Reply)));
  });
}

/** callError makes one grpc-js unary call that must fail and resolves with its error. */
export async function callError<Reply>(start: (cb: (err: ServiceError | null, reply?: Reply) => void) => unknown): Promise<ServiceError> {
  try {
    await call(start);
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error("the call succeeded");
}
