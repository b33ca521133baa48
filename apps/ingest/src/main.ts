import { serve } from '@hono/node-server';
import { ConfigError, loadConfig } from '@imwatch/config';
import { createCallbackQueue, createRedis, imwatchKeys, whenReady } from '@imwatch/queue';
import { createLogger, redactUrl, Shutdown } from '@imwatch/runtime';
import { createApp } from './app.js';
import { createBatchingEnqueuer } from './batching-enqueuer.js';
import { createRejectionLog } from './rejection-log.js';

async function start() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env, process.cwd());
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger('ingest', config.log.level);
  const shutdown = new Shutdown(logger);

  const redis = createRedis(config.redis.url, 'producer');
  redis.on('error', (error) => logger.warn({ err: error.message }, 'redis connection error'));
  shutdown.add('redis', () => redis.quit().catch(() => redis.disconnect()));

  const queue = createCallbackQueue(redis, config.redis.prefix, config.queue);
  queue.on('error', (error) => logger.warn({ err: error.message }, 'queue error'));
  shutdown.add('queue', () => queue.close());

  await whenReady(redis, 10_000).catch((error: Error) => {
    logger.warn(
      { err: error.message, redis: redactUrl(config.redis.url) },
      'Redis is not answering yet; callbacks are refused until it does',
    );
  });

  const app = createApp({
    config,
    logger,
    enqueuer: createBatchingEnqueuer(queue, config.ingest.dedupWindowSeconds * 1000),
    rejections: createRejectionLog(
      redis,
      imwatchKeys(config.redis.prefix).rejections,
      config.ingest.rejectionsMaxLen,
      logger,
    ),
    redisReady: async () => redis.status === 'ready' && (await redis.ping()) === 'PONG',
  });

  const server = serve({ fetch: app.fetch, port: config.http.port, hostname: config.http.host }, (info) => {
    logger.info(
      { port: info.port, path: config.ingest.path, apps: Object.keys(config.apps), config: config.source },
      'ingest listening',
    );
  });
  shutdown.add('http server', () => new Promise<void>((resolve) => server.close(() => resolve())));
  shutdown.installSignalHandlers();
}

await start();
