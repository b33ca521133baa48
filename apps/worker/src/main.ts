import { ConfigError, loadConfig } from '@imwatch/config';
import { closeSinks, createSinks } from '@imwatch/notify';
import { createNotificationQueue, createRedis } from '@imwatch/queue';
import { createLogger, Shutdown } from '@imwatch/runtime';
import { createCallbackWorker, logCallback } from './callback-worker.js';
import { createNotificationWorker } from './notification-worker.js';

function start() {
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
  const logger = createLogger('worker', config.log.level);
  const shutdown = new Shutdown(logger, config.worker.shutdownTimeoutMs);

  const connection = createRedis(config.redis.url, 'worker');
  connection.on('error', (error) => logger.warn({ err: error.message }, 'redis connection error'));
  shutdown.add('redis', () => connection.quit().catch(() => connection.disconnect()));

  const worker = createCallbackWorker({
    connection,
    prefix: config.redis.prefix,
    concurrency: config.worker.concurrency,
    logger,
    handle: logCallback(logger),
  });
  shutdown.add('callback worker', () => worker.close());

  const notificationQueue = createNotificationQueue(connection, config.redis.prefix);
  notificationQueue.on('error', (error) => logger.warn({ err: error.message }, 'notification queue error'));
  shutdown.add('notification queue', () => notificationQueue.close());
  const sinks = createSinks(config.sinks, { logger });
  shutdown.add('sinks', () => closeSinks(sinks));
  const notificationWorker = createNotificationWorker({
    connection,
    prefix: config.redis.prefix,
    queue: notificationQueue,
    sinks,
    logger,
    concurrency: config.worker.concurrency,
  });
  shutdown.add('notification worker', () => notificationWorker.close());
  worker.on('ready', () =>
    logger.info({ concurrency: config.worker.concurrency, config: config.source }, 'worker ready'),
  );
  shutdown.installSignalHandlers();
}

start();
