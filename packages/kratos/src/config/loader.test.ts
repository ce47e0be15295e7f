import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { z } from "zod";
import { ConfigError, loadConfig } from "./loader.js";
import { duration } from "./schema.js";

const Schema = z.strictObject({
  server: z.strictObject({ http: z.strictObject({ timeout: duration().prefault("1s") }).prefault({}) }).prefault({}),
});

/** tempDir makes a fresh directory holding files (name → text), removed when the test ends. */
function tempDir(t: TestContext, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "loader-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** refuses asserts that loading path throws a ConfigError whose message is exactly message. */
function refuses(path: string, message: string): void {
  assert.throws(
    () => loadConfig(path, { schema: Schema, env: {} }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `want a ConfigError, got ${String(err)}`);
      assert.equal(err.message, message);
      return true;
    },
  );
}

describe("loadConfig messages", () => {
  describe("keys that are not one plain word are quoted, control characters escaped", () => {
    const cases: Array<[string, string, string]> = [
      ["a line break", 'server:\n  "ht\\ntp": {}\n', 'server."ht\\ntp"'],
      ["a carriage return and a terminal escape", 'server:\n  "\\r\\e[31mred": 1\n', 'server."\\r\\u001b[31mred"'],
      ["a form feed", 'server:\n  "\\f": 1\n', 'server."\\f"'],
      ["a tab", 'server:\n  "tab\\there": 1\n', 'server."tab\\there"'],
      ["a C1 control (NEL)", 'server:\n  "\\N": 1\n', 'server."\\u0085"'],
      ["U+2028 and U+2029", 'server:\n  "\\L\\P": 1\n', 'server."\\u2028\\u2029"'],
      ["a zero-width space", 'server:\n  "a\\u200bb": 1\n', 'server."a\u200bb"'],
      ["a dot, which would read as two keys", 'server:\n  "a.b": 1\n', 'server."a.b"'],
      ["a space", 'server:\n  "with space": 1\n', 'server."with space"'],
      ["a double quote", "server:\n  'say \"hi\"': 1\n", 'server."say \\"hi\\""'],
    ];
    for (const [what, yaml, key] of cases) {
      it(`a key with ${what}`, (t) => {
        const file = join(tempDir(t, { "config.yaml": yaml }), "config.yaml");
        refuses(file, `config: ${key} (${file}): unknown key`);
      });
    }

    it("leaves a key of printable characters as it is", (t) => {
      const file = join(tempDir(t, { "config.yaml": "server:\n  <<x: 1\n  é: 1\n  a-b_1: 1\n" }), "config.yaml");
      refuses(file, `config: server.<<x (${file}): unknown key; server.é (${file}): unknown key; server.a-b_1 (${file}): unknown key`);
    });

    it("cuts a very long key to its first 100 characters", (t) => {
      const file = join(tempDir(t, { "config.yaml": `${"k".repeat(10_000)}: 1\n` }), "config.yaml");
      refuses(file, `config: "${"k".repeat(100)}…" (${file}): unknown key`);
    });

    it("quotes the parent of a forbidden key", (t) => {
      const file = join(tempDir(t, { "config.yaml": 'server:\n  "\\e[2J":\n    __proto__: 1\n' }), "config.yaml");
      refuses(file, `config: server."\\u001b[2J".__proto__ (${file}): forbidden key`);
    });

    it("tells a key holding a dot from a nested key when naming the file", (t) => {
      const dir = tempDir(t, { "a.yaml": "server:\n  a:\n    b: 1\n", "b.yaml": 'server:\n  "a.b": 1\n' });
      refuses(dir, `config: server.a (${join(dir, "a.yaml")}): unknown key; server."a.b" (${join(dir, "b.yaml")}): unknown key`);
    });

    it("escapes a control character in the file name", (t) => {
      const dir = join(tempDir(t), "x\ny");
      mkdirSync(dir);
      writeFileSync(join(dir, "config.yaml"), "zz: 1\n");
      refuses(dir, `config: zz (${join(dir, "config.yaml").replace("\n", "\\n")}): unknown key`);
    });

    it("escapes the control characters of a schema's message", (t) => {
      const file = join(tempDir(t, { "config.yaml": 'server:\n  http:\n    timeout: "\\e[31m1s\\n"\n' }), "config.yaml");
      refuses(file, `config: server.http.timeout (${file}): invalid duration "\\u001b[31m1s\\n": want a Go duration such as 1s, 500ms or 1m30s`);
    });
  });

  it('names the file and shows an empty top-level key as ""', (t) => {
    const file = join(tempDir(t, { "config.yaml": '"": 1\n' }), "config.yaml");
    refuses(file, `config: "" (${file}): unknown key`);
    const nested = join(tempDir(t, { "config.json": '{"server": {"": {"x": 1}}}' }), "config.json");
    refuses(nested, `config: server."" (${nested}): unknown key`);
  });

  describe("a JSON or YAML syntax error is one line, control characters escaped", () => {
    it("JSON: V8 quotes the text around the error, which is escaped", (t) => {
      const file = join(tempDir(t, { "config.json": "x\r\u001b[31mred" }), "config.json");
      refuses(file, `config: ${file}: Unexpected token 'x', "x\\r\\u001b[31mred" is not valid JSON`);
      const lines = join(tempDir(t, { "config.json": '{"a":\n\u2028\n}' }), "config.json");
      refuses(lines, `config: ${lines}: Unexpected token '\\u2028', "{"a":\\n\\u2028\\n}" is not valid JSON`);
    });

    it("YAML: the reason and where, the reason escaped", (t) => {
      const file = join(tempDir(t, { "config.yaml": "a: b: c\n" }), "config.yaml");
      refuses(file, `config: ${file}: bad indentation of a mapping entry at line 1, column 5`);
      // js-yaml quotes a bad tag as it is.
      const tag = join(tempDir(t, { "config.yaml": "a: !<tag\u001b> 1\n" }), "config.yaml");
      refuses(tag, `config: ${tag}: tag name cannot contain such characters: tag\\u001b at line 1, column 11`);
    });
  });

  describe("files a directory lists but that cannot be read", () => {
    it("a dangling symlink", (t) => {
      const dir = tempDir(t, { "a.yaml": "{}\n" });
      symlinkSync(join(dir, "missing.yaml"), join(dir, "config.yaml"));
      refuses(dir, `config: cannot read ${join(dir, "config.yaml")}: no such file or directory`);
    });

    it("a symlink loop", (t) => {
      const dir = tempDir(t);
      symlinkSync(join(dir, "config.yaml"), join(dir, "config.yaml"));
      refuses(dir, `config: cannot read ${join(dir, "config.yaml")}: too many symbolic links encountered`);
    });

    it("a file that may not be read", { skip: process.getuid?.() === 0 && "root reads any file" }, (t) => {
      const dir = tempDir(t);
      writeFileSync(join(dir, "config.yaml"), "{}\n", { mode: 0o000 });
      refuses(dir, `config: cannot read ${join(dir, "config.yaml")}: permission denied`);
    });
  });
});

describe("loadConfig refuseInFile", () => {
  const Secret = z.strictObject({ token: z.string().prefault(""), name: z.string().prefault("") });
  const refuseInFile = (keyPath: readonly string[]) => (keyPath.join(".") === "token" ? "a secret: set it with APP_TOKEN" : undefined);

  it("refuses a value a file may not hold, naming the key and the file but not the value", (t) => {
    const file = join(tempDir(t, { "c.yaml": "name: x\ntoken: s3cret\n" }), "c.yaml");
    assert.throws(() => loadConfig(file, { schema: Secret, env: {}, refuseInFile }), {
      name: "ConfigError",
      message: `config: token (${file}): a secret: set it with APP_TOKEN`,
    });
  });

  it("takes the same value from the environment", (t) => {
    const dir = tempDir(t, { "c.yaml": "name: x\n" });
    assert.deepEqual(loadConfig(dir, { schema: Secret, envPrefix: "APP_", env: { APP_TOKEN: "s3cret" }, refuseInFile }), { token: "s3cret", name: "x" });
  });
});
