import { errorInvalidPageToken } from "../../api/helloworld/v1/error_reason_errors.js";

/** ErrInvalidPageToken is a page_token that no ListGreeters reply gave. */
export const ErrInvalidPageToken = errorInvalidPageToken(
  "invalid page_token: pass the next_page_token of a previous ListGreeters reply, or none for the first page",
);

/** The version of the token's JSON; a later layout gets a new one, and tokens of an unknown version are refused. */
const VERSION = 1;

/**
 * encodePageToken is the opaque token of the page after the greeter with id after: the base64url (unpadded)
 * of a small versioned JSON, {"v":1,"after":<id>}. Clients pass it back as it is and read nothing in it.
 */
export function encodePageToken(after: number): string {
  return Buffer.from(JSON.stringify({ v: VERSION, after })).toString("base64url");
}

/** decodePageToken is the id a token's page starts after: 0 for the empty token, the first page; anything but a token encodePageToken gave is ErrInvalidPageToken. */
export function decodePageToken(token: string): number {
  if (token === "") return 0;
  // Buffer's base64url decoder skips characters outside the alphabet; a token must have none.
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw ErrInvalidPageToken;
  let after: unknown;
  try {
    const body: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (typeof body === "object" && body !== null && (body as { v?: unknown }).v === VERSION) after = (body as { after?: unknown }).after;
  } catch (err) {
    throw ErrInvalidPageToken.withCause(err);
  }
  // Only the exact bytes this service writes are a token, so one page has one token.
  if (typeof after !== "number" || !Number.isSafeInteger(after) || after < 1 || encodePageToken(after) !== token) throw ErrInvalidPageToken;
  return after;
}
