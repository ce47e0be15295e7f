# Build stage: install everything, compile to dist/.
FROM node:20-bookworm-slim AS builder
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

# Runtime stage: the compiled service, production dependencies and the default config.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=builder /src/package.json ./
COPY --from=builder /src/node_modules ./node_modules
COPY --from=builder /src/dist ./dist
COPY configs ./configs
EXPOSE 8000 9000
USER node
CMD ["node", "--enable-source-maps", "dist/cmd/helloworld/main.js", "-conf", "configs"]
