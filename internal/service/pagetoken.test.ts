import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isInvalidPageToken } from "../../api/helloworld/v1/error_reason_errors.js";
import { decodePageToken, ErrInvalidPageToken, encodePageToken } from "./pagetoken.js";

const b64 = (text: string) => Buffer.from(text).toString("base64url");

describe("page tokens", () => {
  it("are the unpadded base64url of a versioned JSON with the last id", () => {
    assert.equal(encodePageToken(42), b64('{"v":1,"after":42}'));
    assert.equal(encodePageToken(42), "eyJ2IjoxLCJhZnRlciI6NDJ9");
  });

  it("decode to the id they encode, and the empty token to 0, the first page", () => {
    for (const id of [1, 42, 1000, Number.MAX_SAFE_INTEGER]) assert.equal(decodePageToken(encodePageToken(id)), id);
    assert.equal(decodePageToken(""), 0);
  });

  it("declare ErrInvalidPageToken as a 400 with the generated reason", () => {
    assert.deepEqual(ErrInvalidPageToken.toStatus(), {
      code: 400,
      reason: "INVALID_PAGE_TOKEN",
      message: "invalid page_token: pass the next_page_token of a previous ListGreeters reply, or none for the first page",
      metadata: {},
    });
    assert.equal(isInvalidPageToken(ErrInvalidPageToken), true);
  });

  const malformed: Array<[string, string]> = [
    ["characters outside base64url", "not a token!"],
    ["standard base64 padding", `${encodePageToken(42)}=`],
    ["bytes that are not JSON", b64("after=42")],
    ["JSON that is not an object", b64("42")],
    ["null", b64("null")],
    ["an unknown version", b64('{"v":2,"after":42}')],
    ["no version", b64('{"after":42}')],
    ["an id that is a string", b64('{"v":1,"after":"42"}')],
    ["an id of 0", b64('{"v":1,"after":0}')],
    ["a negative id", b64('{"v":1,"after":-1}')],
    ["a fractional id", b64('{"v":1,"after":1.5}')],
    ["an id past 2^53 - 1", b64('{"v":1,"after":9007199254740993}')],
    ["the same JSON written otherwise", b64('{"after":42,"v":1}')],
    ["an extra field", b64('{"v":1,"after":42,"hello":"x"}')],
  ];
  for (const [what, token] of malformed) {
    it(`refuse ${what} with ErrInvalidPageToken`, () => {
      assert.throws(
        () => decodePageToken(token),
        (err) => isInvalidPageToken(err),
      );
    });
  }
});
