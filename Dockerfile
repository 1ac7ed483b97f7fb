# The rest-sync worker, for docker-compose.yml.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-workflows.js ./scripts/
# compiled with production dependencies plus the compiler; workflows bundled once here, not at each start
RUN npm install --no-save typescript@5.9.3 && npx tsc -p tsconfig.build.json && node scripts/bundle-workflows.js && npm uninstall --no-save typescript
ENV TEMPORAL_ADDRESS=temporal:7233
# the worker's live heap is small; without a cap V8 lets garbage grow RSS (BENCHMARKS.md)
ENV NODE_OPTIONS=--max-old-space-size=128
CMD ["node", "dist/cli.js", "worker"]
