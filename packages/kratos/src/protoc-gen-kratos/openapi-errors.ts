import type { Binding } from "../transport/http/rules.js";
import type { Obj } from "./openapi-schemas.js";

/**
 * The component schema of every error body. It is named after go-kratos's errors.Status message
 * (errors/errors.proto), whose JSON the server writes, by its full proto name as every other schema is.
 */
export const ERROR_SCHEMA = "errors.Status";

/** errorSchema is the Kratos error body: the server always writes all four fields. */
export const errorSchema: Obj = {
  type: "object",
  description: "The error every failed request gets, as Kratos encodes it: the HTTP status, a machine-readable reason, a message and metadata.",
  required: ["code", "reason", "message", "metadata"],
  properties: {
    code: { type: "integer", format: "int32", description: "The HTTP status code, equal to the response's." },
    reason: { type: "string", description: "The machine-readable reason, e.g. USER_NOT_FOUND." },
    message: { type: "string", description: "What went wrong, for humans." },
    metadata: { type: "object", additionalProperties: { type: "string" }, description: "Details of the error, by key." },
  },
};

/**
 * errorResponses declares the errors the framework itself answers on a binding, besides whatever the
 * handler returns under default: 400 and 500 on every binding, 413 and 415 where a body is read. The
 * 400 of a request whose message has protovalidate rules names the validate middleware's reason too.
 */
export function errorResponses(b: Binding, validated = false): Obj {
  const rules = validated ? ", or breaks the validation rules of its fields (reason VALIDATOR)" : "";
  const responses: Obj = { "400": response(`Bad Request: the request cannot be bound to the message (reason CODEC)${rules}.`) };
  if (b.body) {
    responses["413"] = response("Payload Too Large: the body is over the server's limit (reason CODEC).");
    responses["415"] = response("Unsupported Media Type: the body's Content-Type or Content-Encoding cannot be read (reason CODEC).");
  }
  responses["500"] = response("Internal Server Error: the handler failed unexpectedly (reason UNKNOWN).");
  responses.default = response("Default error response");
  return responses;
}

function response(description: string): Obj {
  return { description, content: { "application/json": { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA}` } } } };
}
