// Child process: the ingest app wired like apps/ingest/src/main.ts but without the spool and with
// a chosen enqueuer (ENQUEUER=batching | add-per-request | none), so the bench can show what
// batching bought, what the spool costs and what the request's own work costs with nothing stored
// (`--levers`). Not a way to run imwatch: `none` acks callbacks it drops.
import { serve } from '@hono/node-server';
import { loadConfig } from '@imwatch/config';
import { createApp } from '@imwatch/ingest/dist/app.js';
import { createShippedEnqueuer } from '@imwatch/ingest/dist/batching-enqueuer.js';
import { type CallbackEnqueuer, createQueueEnqueuer } from '@imwatch/ingest/dist/enqueuer.js';
import { createRejectionLog } from '@imwatch/ingest/dist/rejection-log.js';
import { createCallbackQueue, createRedis, imwatchKeys, whenReady } from '@imwatch/queue';
import { createLogger } from '@imwatch/runtime';

const config = loadConfig(process.env, process.cwd());
const logger = createLogger('ingest-variant', config.log.level);
const redis = createRedis(config.redis.url, 'producer');
redis.on('error', () => {});
const queue = createCallbackQueue(redis, config.redis.prefix, config.queue);
queue.on('error', () => {});
await whenReady(redis, 10_000);
const enqueuers: Record<string, () => CallbackEnqueuer> = {
  batching: () => createShippedEnqueuer(redis, config.redis.prefix),
  'add-per-request': () => createQueueEnqueuer(queue, config.ingest.dedupWindowSeconds * 1000),
  // Checks, callback id and routing as shipped, then the ack: the ceiling of the ingest's own work.
  none: () => ({ enqueue: () => Promise.resolve() }),
};
const enqueuer = enqueuers[process.env.ENQUEUER ?? 'batching'];
if (!enqueuer) throw new Error(`ENQUEUER must be one of ${Object.keys(enqueuers).join(', ')}`);
const app = createApp({
  config,
  logger,
  enqueuer: enqueuer(),
  rejections: createRejectionLog(redis, imwatchKeys(config.redis.prefix).rejections, 1000, logger),
  redisReady: async () => (await redis.ping()) === 'PONG',
});
const server = serve({ fetch: app.fetch, port: config.http.port, hostname: config.http.host });
process.on('SIGTERM', () => server.close(() => process.exit(0)));
