// npm pack's prepack: the layout this package sits in (the repository two levels up), bundled into dist/, so
// that kratos-ts new works from the published package alone, with the layout of the framework's own version.
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const { BUNDLE, bundleLayout } = await import("../dist/cli/layout.js");
const dir = resolve(fileURLToPath(import.meta.url), "../..");
const count = bundleLayout(resolve(dir, "../.."), join(dir, BUNDLE));
console.error(`bundled the layout: ${count} files into ${BUNDLE}`);
