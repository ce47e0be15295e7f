# Build stage: install everything, compile the framework package and the service. Node 24 has SQLite built in
# (node:sqlite), so better-sqlite3, the optional native addon that serves Node 20, is neither built nor shipped:
# its build fails here for want of a compiler, which npm allows an optional dependency.
FROM node:24-bookworm-slim AS builder
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
COPY packages/kratos/package.json packages/kratos/
COPY packages/kratos/bin packages/kratos/bin
RUN npm ci --no-audit --no-fund
COPY . .
# protoplugin, the code generator's only dependency, is the framework's optional peer and a dev tool here:
# npm keeps such "dev or optional" packages under --omit=dev alone, so optional ones are dropped too (98 -> 36 MB).
RUN npx tsc -p packages/kratos/tsconfig.json && npx tsc -p tsconfig.json && npm prune --omit=dev --omit=optional

# Runtime stage: the compiled service, the framework it links to, production dependencies and the default config.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# glibc makes a malloc arena per thread, each keeping what it freed: two keep the resident set near the heap.
ENV MALLOC_ARENA_MAX=2
COPY --from=builder /src/package.json ./
COPY --from=builder /src/node_modules ./node_modules
COPY --from=builder /src/packages/kratos/package.json ./packages/kratos/
COPY --from=builder /src/packages/kratos/dist ./packages/kratos/dist
COPY --from=builder /src/dist ./dist
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
