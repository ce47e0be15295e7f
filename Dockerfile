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
COPY configs ./configs
# The service keeps its SQLite file in data/ below the working directory, as the node user.
RUN mkdir -p /app/data && chown node:node /app/data
EXPOSE 8000 9000
USER node
# The node user can write a database in data/ with the engine the service uses on this node.
RUN node --input-type=module -e 'import { openSqlite } from "/app/dist/internal/data/sqlite.js"; const db = openSqlite("data/build-check.db"); db.exec("create table t (x)"); db.close()' \
 && rm data/build-check.db
CMD ["node", "--enable-source-maps", "dist/cmd/helloworld/main.js", "-conf", "configs"]
