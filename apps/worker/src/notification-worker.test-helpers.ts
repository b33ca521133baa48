import { parseConfig } from '@imwatch/config';
import { createSinks } from '@imwatch/notify';
import { createNotificationQueue, createRedis, type NotificationQueue } from '@imwatch/queue';
import { testRedisUrl } from '@imwatch/testing';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { createNotificationWorker } from './notification-worker.js';

export interface Harness {
  queue: NotificationQueue;
  workers: Worker[];
  redis: Redis;
  close(): Promise<void>;
}

/**
 * A notifications queue with tiny backoffs and `workers` worker processes' worth of workers (each
 * with its own connections), over sinks given as the `sinks:` section of imwatch.yaml.
 */
export function startHarness(options: {
  prefix: string;
  sinksYaml: string;
  workers?: number;
  attempts?: number;
  now?: () => number;
}): Harness {
  const config = parseConfig({}, `apps: [{ sdkAppId: 1400000000 }]\nsinks:\n${options.sinksYaml}\n`);
  const logger = pino({ level: 'silent' });
  const redis = createRedis(testRedisUrl(), 'worker');
  const queue = createNotificationQueue(redis, options.prefix, {
    attempts: options.attempts ?? 5,
    backoffMs: 10,
  });
  const connections: Redis[] = [redis];
  const workers: Worker[] = [];
  for (let n = 0; n < (options.workers ?? 1); n++) {
    const connection = createRedis(testRedisUrl(), 'worker');
    connections.push(connection);
    workers.push(
      createNotificationWorker({
        connection,
        prefix: options.prefix,
        queue: createNotificationQueue(connection, options.prefix, { backoffMs: 10 }),
        sinks: createSinks(config.sinks, { logger }),
        logger,
        concurrency: 5,
        ...(options.now ? { now: options.now } : {}),
      }),
    );
  }
  return {
    queue,
    workers,
    redis,
    async close() {
      for (const worker of workers) await worker.close();
      await queue.close();
      for (const connection of connections) await connection.quit();
    },
  };
}
