# One image for every app; docker-compose picks the app with `command`.
# Build: docker build -t imwatch .   Run: docker run imwatch node --single-threaded-gc apps/worker/dist/main.js
# (the worker's flags: apps/worker/src/node-flags.ts)

FROM node:20-slim AS build
WORKDIR /app
# The whole workspace first: `npm ci` needs every workspace's package.json that the lockfile names.
COPY . .
RUN npm ci --no-audit --no-fund \
  && npm run build \
  && npm prune --omit=dev --no-audit --no-fund
# Only what runs goes into /out: each deployed workspace's package.json and compiled dist (no src,
# no tests), plus its own node_modules should npm ever nest one there. Keep this list in step with
# the @imwatch/* dependencies of apps/ingest and apps/worker (deployment.test.ts checks it).
RUN for ws in apps/ingest apps/worker packages/config packages/notify packages/protocol \
      packages/queue packages/rules packages/runtime packages/spool; do \
      mkdir -p "/out/$ws" && cp -r "$ws/package.json" "$ws/dist" "/out/$ws/" \
      && if [ -d "$ws/node_modules" ]; then cp -r "$ws/node_modules" "/out/$ws/"; fi; \
    done \
  && cp package.json imwatch.yaml /out/

FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /out ./
# The spool must survive a container restart: mount a volume here (see docker-compose.yml).
RUN mkdir -p /var/lib/imwatch/spool && chown -R node:node /var/lib/imwatch
ENV IMWATCH_SPOOL_DIR=/var/lib/imwatch/spool \
  IMWATCH_CONFIG=/app/imwatch.yaml
USER node
EXPOSE 8080
# No HEALTHCHECK here: the worker runs from this image too and has no HTTP port, so an image-wide
# check of /readyz would mark every worker unhealthy. The ingest's check is in docker-compose.yml.
# Node runs as PID 1 here; main.ts handles SIGTERM/SIGINT itself (graceful shutdown).
# --max-semi-space-size=8 --heap-growing-percent=50: see apps/ingest/src/node-flags.ts.
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=50", "apps/ingest/dist/main.js"]
