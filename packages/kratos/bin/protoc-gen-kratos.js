#!/usr/bin/env node
// The plugin is compiled to dist/; this shim lets npm link the bin before the package is built.
await import("../dist/protoc-gen-kratos/main.js");
