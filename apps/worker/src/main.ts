import { ConfigError, loadConfig } from '@imwatch/config';
import { closeSinks, createSinks } from '@imwatch/notify';
import {
  createCallbackQueue,
  createIntakeMover,
  createNotificationQueue,
  createRedis,
  imwatchKeys,
} from '@imwatch/queue';
import { createRulesEngine } from '@imwatch/rules';
import { checkRedisForProduction, createLogger, Shutdown, watchRedisOutages } from '@imwatch/runtime';
import { createCallbackWorker } from './callback-worker.js';
import { createDeliver } from './deliver.js';
import { createNotificationWorker } from './notification-worker.js';
import { createRulesHandler } from './rules-handler.js';

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
  const prefix = config.redis.prefix;

  const connection = createRedis(config.redis.url, 'worker');
  // One warning per outage, not two per reconnect attempt (the queue re-emits the client's errors).
  const onRedisError = watchRedisOutages(connection, logger, { url: config.redis.url });
  shutdown.add('redis', () => connection.quit().catch(() => connection.disconnect()));
  // The worker holds the jobs too: warn at start, like the ingest, when this Redis could lose them.
  connection.once('ready', () => void checkRedisForProduction(connection, logger));

  const notifications = createNotificationQueue(connection, prefix, {
    attempts: config.notifications.attempts,
    backoffMs: config.notifications.backoffMs,
  });
  notifications.on('error', (error) => onRedisError(error, 'notifications queue'));
  shutdown.add('notifications queue', () => notifications.close());

  // Alerts out: one delivery job per alert and sink, retried per sink.
  const sinks = createSinks(config.sinks, { logger });
  shutdown.add('sinks', () => closeSinks(sinks));
  const notificationWorker = createNotificationWorker({
    connection,
    prefix,
    queue: notifications,
    sinks,
    logger,
    concurrency: config.notifications.concurrency,
    maxBackoffMs: config.notifications.maxBackoffMs,
    lockDurationMs: config.worker.lockDurationMs,
    stalledIntervalMs: config.worker.stalledIntervalMs,
    onError: (error) => onRedisError(error, 'notification worker'),
  });
  shutdown.add('notification worker', () => notificationWorker.close());

  // Batches in: the ingest stores each batch of callbacks as one entry of the intake list; moved
  // here onto the callbacks queue, one job per callback (the ingest's ack waits for one small
  // write, not for these).
  const callbacks = createCallbackQueue(connection, prefix, config.queue);
  callbacks.on('error', (error) => onRedisError(error, 'callbacks queue'));
  shutdown.add('callbacks queue', () => callbacks.close());
  const intakeMover = createIntakeMover({
    connection,
    prefix,
    callbacks,
    dedupWindowMs: config.ingest.dedupWindowSeconds * 1000,
    onMoved: ({ damaged }) => {
      if (damaged > 0)
        logger.error(
          { damaged, key: imwatchKeys(prefix).intakeDamaged },
          'intake batches that cannot be read were set aside',
        );
    },
    onError: (error) => onRedisError(error, 'intake mover'),
  });
  shutdown.add('intake mover', () => intakeMover.close());

  // Callbacks in: every effect of a callback applied once by the rules engine.
  const engine = createRulesEngine({
    redis: connection,
    prefix,
    rules: config.rules,
    alerting: config.alerting,
  });
  const worker = createCallbackWorker({
    connection,
    prefix,
    concurrency: config.worker.concurrency,
    lockDurationMs: config.worker.lockDurationMs,
    stalledIntervalMs: config.worker.stalledIntervalMs,
    onError: (error) => onRedisError(error, 'callback worker'),
    logger,
    handle: createRulesHandler({
      engine,
      deliver: createDeliver(notifications, sinks),
      logger,
    }),
  });
  shutdown.add('callback worker', () => worker.close());
  worker.on('ready', () =>
    logger.info(
      {
        concurrency: config.worker.concurrency,
        rules: config.rules.filter((rule) => rule.enabled).map((rule) => rule.name),
        sinks: [...sinks.keys()],
        config: config.source,
      },
      'worker ready',
    ),
  );
  shutdown.installSignalHandlers();
}

start();
