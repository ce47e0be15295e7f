import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAddress } from "./address.js";

describe("parseAddress", () => {
  const valid: Array<[string, string, number]> = [
    ["0.0.0.0:8000", "0.0.0.0", 8000],
    ["127.0.0.1:0", "127.0.0.1", 0],
    [":9000", "0.0.0.0", 9000],
    ["localhost:65535", "localhost", 65535],
    ["redis:6379", "redis", 6379],
    ["my-host_1.example.com:80", "my-host_1.example.com", 80],
    ["example.com.:80", "example.com.", 80],
    ["[::]:80", "::", 80],
    ["[::1]:80", "::1", 80],
    ["[::ffff:127.0.0.1]:80", "::ffff:127.0.0.1", 80],
    [`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}:1`, `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`, 1],
  ];
  for (const [addr, host, port] of valid) {
    it(`reads ${JSON.stringify(addr.length > 40 ? `${addr.slice(0, 40)}…` : addr)}`, () => {
      assert.deepEqual(parseAddress(addr), { host, port });
    });
  }

  const hostname = "the host must be a hostname, an IPv4 address or an IPv6 address in brackets";
  const invalid: Array<[string, string]> = [
    ["h o:50638", `invalid address "h o:50638": ${hostname}`],
    ["h\nx:80", `invalid address "h\\nx:80": ${hostname}`],
    ["bad\r\u001bhost\u0085\u2028:80", `invalid address "bad\\r\\u001bhost\\u0085\\u2028:80": ${hostname}`],
    ["a..b:80", `invalid address "a..b:80": ${hostname}`],
    [".a:80", `invalid address ".a:80": ${hostname}`],
    ["a/b:80", `invalid address "a/b:80": ${hostname}`],
    ["é:80", `invalid address "é:80": ${hostname}`],
    ["999.1.1.1:80", 'invalid address "999.1.1.1:80": the host is not an IPv4 address'],
    ["1.2.3:80", 'invalid address "1.2.3:80": the host is not an IPv4 address'],
    [`${"a".repeat(64)}:80`, `invalid address "${"a".repeat(64)}:80": the host has a label longer than 63 characters`],
    [`${"a.".repeat(127)}a:80`, `invalid address "${"a.".repeat(50)}…": the host is longer than 253 characters`],
    ["[:::]:80", 'invalid address "[:::]:80": the host is not an IPv6 address'],
    ["[1.2.3.4]:80", 'invalid address "[1.2.3.4]:80": the host is not an IPv6 address'],
    // The messages of the other cases are as they were.
    ["0.0.0.0:99999", 'invalid address "0.0.0.0:99999": port 99999 is out of range (0 to 65535)'],
    ["localhost", 'invalid address "localhost": want host:port, [v6]:port or :port'],
    ["[zz]:80", 'invalid address "[zz]:80": want host:port, [v6]:port or :port'],
    ["::1:80", 'invalid address "::1:80": want host:port, [v6]:port or :port'],
  ];
  for (const [addr, message] of invalid) {
    it(`refuses ${JSON.stringify(addr.length > 40 ? `${addr.slice(0, 40)}…` : addr)}`, () => {
      assert.throws(() => parseAddress(addr), { message });
    });
  }

  it("shows a very long address cut to its first 100 characters, on one line", () => {
    const host = "x".repeat(100_000);
    assert.throws(() => parseAddress(`${host}:80`), { message: `invalid address "${"x".repeat(100)}…": the host is longer than 253 characters` });
    assert.throws(() => parseAddress(`${host}:99999`), { message: `invalid address "${"x".repeat(100)}…": port 99999 is out of range (0 to 65535)` });
    assert.throws(() => parseAddress(`${"\n".repeat(100_000)}:80`), { message: `invalid address "${"\\n".repeat(100)}…": ${hostname}` });
  });
});
