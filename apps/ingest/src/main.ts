import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { ConfigError, loadConfig } from '@imwatch/config';
import { createRedis, imwatchKeys, whenReady } from '@imwatch/queue';
import {
  checkRedisForProduction,
  createLogger,
  redactUrl,
  Shutdown,
  watchRedisOutages,
} from '@imwatch/runtime';
import { createApp } from './app.js';
import { createShippedEnqueuer } from './batching-enqueuer.js';
import { answerClientErrors, closeHttpServer, httpServerOptions } from './http-server.js';
import { createRejectionLog } from './rejection-log.js';
import { startSpooling } from './spooling.js';

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
  // One warning per outage, not one per reconnect attempt.
  watchRedisOutages(redis, logger, { url: config.redis.url });
  shutdown.add('redis', () => redis.quit().catch(() => redis.disconnect()));

  // Not awaited: with the spool the ingest acks from the first second, Redis or not.
  whenReady(redis, 10_000).then(
    () => checkRedisForProduction(redis, logger),
    (error: Error) => {
      logger.warn(
        { err: error.message, redis: redactUrl(config.redis.url) },
        'Redis is not answering yet; callbacks go to the local spool until it does',
      );
      redis.once('ready', () => void checkRedisForProduction(redis, logger));
    },
  );

  // Spool (reliability): callbacks are acked from local disk while Redis is down or slow.
  const spooling = await startSpooling(
    config,
    // Concurrent requests share one script call to Redis; the spool takes over when Redis is away.
    createShippedEnqueuer(redis, config.redis.prefix),
    logger,
    () => redis.status === 'ready',
  ).catch((error: Error) => {
    logger.fatal({ err: error.message, dir: config.ingest.spool.dir }, 'cannot open the spool');
    process.exit(73); // EX_CANTCREAT
  });
  shutdown.add('spool', () => spooling.close());

  const app = createApp({
    config,
    logger,
    enqueuer: spooling.enqueuer,
    spool: spooling.spool,
    stopping: () => shutdown.isShuttingDown,
    rejections: createRejectionLog(
      redis,
      imwatchKeys(config.redis.prefix).rejections,
      config.ingest.rejectionsMaxLen,
      logger,
    ),
    redisReady: async () => redis.status === 'ready' && (await redis.ping()) === 'PONG',
  });

  const server = serve(
    {
      fetch: app.fetch,
      port: config.http.port,
      hostname: config.http.host,
      serverOptions: httpServerOptions(config),
    },
    (info) => {
      logger.info(
        { port: info.port, path: config.ingest.path, apps: Object.keys(config.apps), config: config.source },
        'ingest listening',
      );
    },
  );
  answerClientErrors(server as Server, logger);
  shutdown.add('http server', () => closeHttpServer(server as Server, config.ingest.shutdownTimeoutMs));
  shutdown.installSignalHandlers();
}

await start();
