import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/** Name is the name of the compiled software. */
export const Name = "helloworld";

/** Version is the version in package.json, read at start so the build needs no stamping. */
export const Version = (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** id is this instance's service.id: the host name, as in kratos-layout. */
export const id = hostname();
