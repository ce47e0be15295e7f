#!/usr/bin/env node
// The CLI is compiled to dist/; this shim lets npm link the bin before the package is built.
const { main } = await import("../dist/cli/main.js");
await main();
