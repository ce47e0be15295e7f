import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { createValidator, type Validator, type ValidatorOptions, type Violation } from "@bufbuild/protovalidate";
import { KratosError } from "../errors/errors.js";
import { BadRequestSchema } from "../gen/google/rpc/error_details_pb.js";
import type { Middleware } from "./middleware.js";

/** The reason of the error a request that breaks its rules gets, as Kratos's validate middleware names it. */
export const VALIDATOR_REASON = "VALIDATOR";

let shared: Validator | undefined;

/** sharedValidator is the validator of every validate() without options, made on first use. */
function sharedValidator(): Validator {
  shared ??= createValidator();
  return shared;
}

/**
 * validate checks each request against the protovalidate rules its proto declares ((buf.validate.field)
 * options, compiled once per message type by @bufbuild/protovalidate, CEL included) before the handler
 * runs. A request that breaks them is a 400 VALIDATOR whose message names every field and rule broken,
 * e.g. "invalid HelloRequest.name: must be at least 1 characters"; over gRPC that is INVALID_ARGUMENT,
 * and the status details hold a google.rpc.BadRequest with one field violation each, after the ErrorInfo.
 * A rule that cannot be compiled or evaluated is a bug: it is thrown as it is, for recovery to log.
 * Put it after recovery, as Kratos does.
 *
 * @example
 * new HTTPServer({ address: ":8000", timeout: 1000, logger, middleware: [recovery(logger), validate()] });
 */
export function validate(options?: ValidatorOptions): Middleware {
  // Without options, the servers of a process share one validator and so one cache of compiled rules.
  const validator = options ? createValidator(options) : sharedValidator();
  return (next) => async (ctx, req) => {
    const schema = ctx.method.input;
    const result = validator.validate(schema, req as Message);
    if (result.kind === "invalid") throw validationError(schema, result.violations).withCause(result.error);
    if (result.kind === "error") throw result.error;
    return next(ctx, req);
  };
}

/** validationError is the 400 VALIDATOR of the violations of a message of schema, with a google.rpc.BadRequest detail. */
export function validationError(schema: DescMessage, violations: readonly Violation[]): KratosError {
  const named = violations.map((v) => ({ field: pathToString(v.field), rule: v.ruleId, message: v.message }));
  const message = named.map((v) => `invalid ${v.field ? `${schema.name}.${v.field}` : schema.name}: ${v.message}`).join("; ");
  const badRequest = create(BadRequestSchema, {
    fieldViolations: named.map((v) => ({ field: v.field, description: v.message, reason: v.rule })),
  });
  return new KratosError(400, VALIDATOR_REASON, message, {}, { details: [anyPack(BadRequestSchema, badRequest)] });
}
