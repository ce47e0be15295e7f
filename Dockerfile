# Build stage: install everything, compile the framework package and the service. node:24-bookworm, not -slim:
# better-sqlite3 is a native addon built from source at npm ci (node-gyp: python3, make, g++, Node's headers).
FROM node:24-bookworm AS builder
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
COPY packages/kratos/package.json packages/kratos/
COPY packages/kratos/bin packages/kratos/bin
RUN npm ci --no-audit --no-fund
COPY . .
# protoplugin, the code generator's only dependency, is the framework's optional peer and a dev tool here:
# npm keeps such "dev or optional" packages under --omit=dev alone, so optional ones are dropped too (98 -> 36 MB).
# better-sqlite3 then keeps only its addon and JS: its C sources and objects (26 MB) are build leftovers.
RUN npx tsc -p packages/kratos/tsconfig.json && npx tsc -p tsconfig.json && npm prune --omit=dev --omit=optional \
 && cd node_modules/better-sqlite3 && mv build/Release/better_sqlite3.node . && rm -rf build deps src \
 && mkdir -p build/Release && mv better_sqlite3.node build/Release/ \
 && node -e 'const D = require("better-sqlite3"); new D(":memory:").prepare("select 1").get()'

# Runtime stage: the compiled service, the framework it links to, production dependencies and the default config.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
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
# better-sqlite3 built on the full image loads on this slim one and the node user can write a database in data/.
RUN node -e 'const D = require("better-sqlite3"); const db = new D("data/build-check.db"); db.exec("create table t (x)"); db.close()' \
 && rm data/build-check.db
CMD ["node", "--enable-source-maps", "dist/cmd/helloworld/main.js", "-conf", "configs"]
