# One image for every app; docker-compose picks the app with `command`.
# Build: docker build -t imwatch .   Run: docker run imwatch node apps/worker/dist/main.js

FROM node:20-slim AS build
WORKDIR /app
# The whole workspace first: `npm ci` needs every workspace's package.json that the lockfile names.
COPY . .
RUN npm ci --no-audit --no-fund \
  && npm run build \
  && npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json /app/imwatch.yaml ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages ./packages
COPY --from=build /app/apps ./apps
# The spool must survive a container restart: mount a volume here (see docker-compose.yml).
RUN mkdir -p /var/lib/imwatch/spool && chown -R node:node /var/lib/imwatch
ENV IMWATCH_SPOOL_DIR=/var/lib/imwatch/spool \
  IMWATCH_CONFIG=/app/imwatch.yaml
USER node
EXPOSE 8080
# Node runs as PID 1 here; main.ts handles SIGTERM/SIGINT itself (graceful shutdown).
CMD ["node", "apps/ingest/dist/main.js"]
