import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { sourceOf, where } from "./dialect.js";

describe("sourceOf", () => {
  const database = { driver: "postgres" as const, source: "postgres://app@db:5432/app", password: "", password_file: "" };

  it("sets the password from the environment into the URL, percent-encoded", () => {
    assert.equal(sourceOf({ ...database, password: "p@ss:w%rd/x" }), "postgres://app:p%40ss%3Aw%25rd%2Fx@db:5432/app");
    assert.equal(sourceOf({ ...database, driver: "mysql", source: "mysql://app@db/app", password: "s" }), "mysql://app:s@db/app");
  });

  it("reads the password from password_file, without its trailing newline, over the one from the environment", (t) => {
    const dir = mkdtempSync(join(tmpdir(), "secret-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "db"), "from-file\n");
    assert.equal(sourceOf({ ...database, password: "from-env", password_file: join(dir, "db") }), "postgres://app:from-file@db:5432/app");
  });

  it("leaves the source alone without a password, and for sqlite", () => {
    assert.equal(sourceOf(database), "postgres://app@db:5432/app");
    assert.equal(sourceOf({ ...database, driver: "sqlite", source: "data/x.db", password: "p" }), "data/x.db");
  });

  it("says which password_file it could not read, and why, in one line", () => {
    assert.throws(() => sourceOf({ ...database, password_file: "/nonexistent/db" }), { message: "data.database.password_file /nonexistent/db: ENOENT" });
  });

  it("never shows the password where it names the database", () => {
    assert.equal(where("postgres", sourceOf({ ...database, password: "hunter2" })), "db:5432/app");
  });
});
