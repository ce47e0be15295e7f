import { type DescMessage, type Message, toBinary, toJsonString } from "@bufbuild/protobuf";
import type { Status } from "../../errors/errors.js";

export const JSON_TYPE = "application/json";
const protoTypes = new Set(["application/proto", "application/x-protobuf", "application/protobuf"]);

/** wantsProto reads Accept as Kratos does: the first listed type decides, and anything unknown is JSON. */
export function wantsProto(accept: string | undefined): boolean {
  if (!accept) return false;
  return protoTypes.has((accept.split(",")[0] as string).split(";")[0]?.trim().toLowerCase() ?? "");
}

/** isProtoType says whether a request Content-Type carries binary protobuf. */
export function isProtoType(contentType: string): boolean {
  return protoTypes.has(contentType);
}

/** encodeReply renders a reply, or one of its fields, as proto3 JSON with unpopulated fields, or as binary. */
export function encodeReply(output: DescMessage, reply: Message, responseBody: string, proto: boolean): { type: string; body: string | Uint8Array } {
  if (proto) return { type: "application/x-protobuf", body: toBinary(output, reply) };
  const json = toJsonString(output, reply, { alwaysEmitImplicit: true });
  if (!responseBody) return { type: JSON_TYPE, body: json };
  const field = output.fields.find((f) => f.name === responseBody);
  return { type: JSON_TYPE, body: JSON.stringify((JSON.parse(json) as Record<string, unknown>)[field?.jsonName ?? responseBody] ?? null) };
}

/** encodeStatus renders an error as Kratos does: {"code","reason","message","metadata"} in that order. */
export function encodeStatus(s: Status): string {
  return JSON.stringify({ code: s.code, reason: s.reason, message: s.message, metadata: s.metadata });
}
