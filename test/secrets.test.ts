// The database password from a mounted file, on the real binary against the real servers: it connects, and
// no line the process writes shows the URL with the password. Runs where .ci/run (or `make databases`) set the URLs.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { killAll, listening, startHelloworld } from "./support/process.js";

for (const [driver, env] of [
  ["postgres", "TEST_POSTGRES_URL"],
  ["mysql", "TEST_MYSQL_URL"],
] as const) {
  const url = process.env[env];
  const skip = url ? false : `${env} is not set: skipped (eval "$(make -s databases)" sets it)`;
  describe(`the ${driver} password from data.database.password_file`, () => {
    const dir = mkdtempSync(join(tmpdir(), "secrets-"));
    after(async () => {
      await killAll();
      rmSync(dir, { recursive: true, force: true });
    });

    it("connects with the URL holding no password, and no line shows the password in the URL", { skip, timeout: 30_000 }, async () => {
      const withPassword = new URL(url ?? "");
      const password = decodeURIComponent(withPassword.password);
      assert.ok(password.length > 0, `${env} holds a password`);
      withPassword.password = "";
      const file = join(dir, "db-password");
      writeFileSync(file, `${password}\n`);
      const proc = startHelloworld({
        HELLOWORLD_DATA_DATABASE_DRIVER: driver,
        HELLOWORLD_DATA_DATABASE_SOURCE: withPassword.href,
        HELLOWORLD_DATA_DATABASE_PASSWORD_FILE: file,
      });
      const { http } = await listening(proc);
      const res = await fetch(`http://127.0.0.1:${http}/helloworld/secret`);
      assert.equal(await res.text(), '{"message":"Hello secret"}');
      proc.signal("SIGTERM");
      assert.equal((await proc.exited).code, 0, proc.transcript());
      // The test servers' password is also their user's and database's name, so a leak is looked for as a URL holds it.
      const leak = `:${encodeURIComponent(password)}@`;
      assert.equal(proc.stdout.includes(leak) || proc.stderr.includes(leak), false, "the URL with its password shows in the output");
    });
  });
}
