# The manifests npm ci needs, and nothing else, so that its layer is rebuilt only when they change: the root's,
# the framework's where the layout has its sources (packages/kratos; a new service has it from npm), and the
# tarballs a service depends on from vendor/ (kratos-ts new --framework <tarball>).
FROM node:24-bookworm-slim AS manifests
WORKDIR /src
COPY . .
RUN find . -mindepth 1 -maxdepth 1 ! -name package.json ! -name package-lock.json ! -name .npmrc ! -name packages ! -name vendor -exec rm -rf {} + \
 && if [ -d packages ]; then find packages -mindepth 2 -maxdepth 2 ! -name package.json ! -name bin -exec rm -rf {} +; fi

# Build stage: install everything, compile the framework package and the service. Node 24 has SQLite built in
# (node:sqlite), so better-sqlite3, the optional native addon that serves Node 20, is neither built nor shipped:
# its build fails here for want of a compiler, which npm allows an optional dependency.
FROM node:24-bookworm-slim AS builder
WORKDIR /src
COPY --from=manifests /src ./
RUN npm ci --no-audit --no-fund
COPY . .
# protoplugin, the code generator's only dependency, is the framework's optional peer and a dev tool here:
# npm keeps such "dev or optional" packages under --omit=dev alone, so optional ones are dropped too (98 -> 36 MB).
# /out is what the runtime needs: the service, production dependencies and, where it is built here, the framework.
RUN if [ -d packages/kratos ]; then npx tsc -p packages/kratos/tsconfig.json; fi \
 && npx tsc -p tsconfig.json && npm prune --omit=dev --omit=optional \
 && mkdir /out && cp -R package.json node_modules dist /out/ \
 && if [ -d packages/kratos ]; then mkdir -p /out/packages/kratos && cp -R packages/kratos/package.json packages/kratos/dist /out/packages/kratos/; fi

# Runtime stage: the compiled service, the framework it links to, production dependencies and the default config.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# glibc makes a malloc arena per thread, each keeping what it freed: two keep the resident set near the heap.
# Blocks of 32 KiB and up (socket reads, HTTP/2 buffers) are mapped and unmapped whole: from the C heap, the
# tens of MiB of them awaiting V8's next GC left holes glibc never gave back. The heap grows 1 MiB at a time, so
# SQLite's page cache for each RETURNING is no mmap per call. The framework's ALLOCATOR_ENV, as README says.
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=32768 MALLOC_TOP_PAD_=1048576
COPY --from=builder /out ./
# The default config, as kratos-layout places it: a directory mounted at /data/conf replaces it whole.
COPY configs /data/conf
# The service keeps its SQLite file in data/ below the working directory (data.database.source), as the node
# user, on a volume, so that it outlives the container.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data
EXPOSE 8000 9000
USER node
# The node user can write a database in data/ with the engine the service uses on this node.
RUN node --input-type=module -e 'import { openSqlite } from "/app/dist/internal/data/sqlite.js"; const db = openSqlite("data/build-check.db"); db.exec("create table t (x)"); db.close()' \
 && rm data/build-check.db
# Ready means serving with the database answering (GET /readyz); node's own fetch asks, as the image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8000/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node runs as PID 1 (the exec form, through the base image's entrypoint), so SIGTERM from docker stop reaches the
# service's own handler, which drains and exits 0.
CMD ["node", "--enable-source-maps", "dist/cmd/helloworld/main.js", "-conf", "/data/conf"]
