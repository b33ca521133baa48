import { type Config, parseConfig } from '@imwatch/config';
import {
  CALLBACKS_QUEUE,
  type CallbackQueue,
  createCallbackQueue,
  createIntakeMover,
  createRedis,
  imwatchKeys,
  parseStoredBatch,
  type StoredCallback,
  whenReady,
} from '@imwatch/queue';
import { createLogger } from '@imwatch/runtime';
import { SAMPLE_APP_ID, sampleQuery, sampleText, testRedisUrl, uniquePrefix } from '@imwatch/testing';
import type { Redis } from 'ioredis';
import { createApp } from './app.js';
import { createShippedEnqueuer } from './batching-enqueuer.js';
import type { CallbackEnqueuer } from './enqueuer.js';
import type { IngestDeps } from './env.js';
import { createRejectionLog } from './rejection-log.js';

export const SIGNED_APP_ID = '1400000001';
export const SIGNED_APP_TOKEN = 'xxxxyyyy';

/** An ingest app wired to the test run's Redis under a prefix of its own. */
export interface TestIngest {
  app: ReturnType<typeof createApp>;
  config: Config;
  redis: Redis;
  /** The callbacks queue, where the intake mover puts what the ingest stored (see moved()). */
  queue: CallbackQueue;
  /** The batches on the intake list, not yet moved, oldest first. */
  storedBatches(): Promise<StoredCallback[][]>;
  /** Waits until every stored batch is moved onto the callbacks queue, as the worker would. */
  moved(): Promise<void>;
  prefix: string;
  clock: { now: number };
  post(query: string, body: string, headers?: Record<string, string>): Promise<Response>;
  postSample(name: string, extraQuery?: Record<string, string>): Promise<Response>;
  rejections(): Promise<Record<string, string>[]>;
  close(): Promise<void>;
}

export async function createTestIngest(
  options: {
    yaml?: string;
    enqueuer?: (queue: CallbackQueue, redis: Redis) => CallbackEnqueuer;
    /** A Redis of the test's own (one it may stop); the run's shared one otherwise. */
    redisUrl?: string;
    spool?: IngestDeps['spool'];
    logger?: IngestDeps['logger'];
    /** Run the intake mover (default), or leave stored batches on the intake list. */
    mover?: boolean;
  } = {},
): Promise<TestIngest> {
  const prefix = uniquePrefix('ingest');
  const yaml =
    options.yaml ??
    [
      'apps:',
      `  - sdkAppId: ${SAMPLE_APP_ID}`,
      `  - sdkAppId: ${SIGNED_APP_ID}`,
      `    callbackToken: ${SIGNED_APP_TOKEN}`,
      'ingest:',
      '  maxBodyBytes: 4096',
      '  rejectedBodyBytes: 100',
    ].join('\n');
  const config = parseConfig(
    { REDIS_URL: options.redisUrl ?? testRedisUrl(), IMWATCH_PREFIX: prefix },
    yaml,
    'test.yaml',
  );
  const redis = createRedis(config.redis.url, 'producer');
  redis.on('error', () => {});
  await whenReady(redis, 5000);
  const queue = createCallbackQueue(redis, prefix, config.queue);
  queue.on('error', () => {});
  const keys = imwatchKeys(prefix);
  // The worker's intake mover, in-process: tests read the callbacks queue as operators would.
  const moverRedis = createRedis(config.redis.url, 'worker');
  moverRedis.on('error', () => {});
  const mover =
    options.mover === false
      ? undefined
      : createIntakeMover({
          connection: moverRedis,
          prefix,
          callbacks: queue,
          dedupWindowMs: config.ingest.dedupWindowSeconds * 1000,
        });
  const logger = options.logger ?? createLogger('ingest-test', 'silent');
  const clock = { now: Date.now() };
  const streamKey = keys.rejections;
  const app = createApp({
    config,
    logger,
    enqueuer: options.enqueuer?.(queue, redis) ?? createShippedEnqueuer(redis, prefix),
    rejections: createRejectionLog(redis, streamKey, config.ingest.rejectionsMaxLen, logger),
    redisReady: async () => (await redis.ping()) === 'PONG',
    spool: options.spool,
    now: () => clock.now,
  });
  const post = async (query: string, body: string, headers: Record<string, string> = {}) =>
    app.request(`${config.ingest.path}?${query}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
  return {
    app,
    config,
    redis,
    queue,
    storedBatches: async () =>
      (await redis.lrange(keys.intake, 0, -1)).reverse().map((text) => parseStoredBatch(text) ?? []),
    moved: () => waitUntilMoved(redis, prefix, 10_000),
    prefix,
    clock,
    post,
    postSample: async (name, extraQuery = {}) => {
      const text = sampleText(name);
      const command = (JSON.parse(text) as { CallbackCommand: string }).CallbackCommand;
      return post(sampleQuery(command, extraQuery), text);
    },
    rejections: async () => {
      const entries = await redis.xrange(streamKey, '-', '+');
      return entries.map(([, fields]) => {
        const record: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i] as string] = fields[i + 1] as string;
        return record;
      });
    },
    close: async () => {
      // A test may leave Redis stopped or paused: the mover's close then waits for a reconnect.
      await Promise.race([mover?.close(), new Promise((resolve) => setTimeout(resolve, 2000))]);
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      await redis.del(keys.intake, keys.intakeMarker, keys.intakeDamaged).catch(() => {});
      await redis.quit().catch(() => redis.disconnect());
      await moverRedis.quit().catch(() => moverRedis.disconnect());
    },
  };
}

/**
 * Waits until a mover has taken every batch off the intake list under `prefix`; throws when one
 * was set aside as damaged (an acked callback that no job will carry) or when time runs out.
 */
export async function waitUntilMoved(redis: Redis, prefix: string, timeoutMs: number): Promise<void> {
  const { intake, intakeDamaged } = imwatchKeys(prefix);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await redis.llen(intakeDamaged)) > 0) throw new Error('an intake batch was damaged');
    const left = await redis.llen(intake);
    if (left === 0) return;
    if (Date.now() > deadline) throw new Error(`intake not moved: ${left} batches left`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export { CALLBACKS_QUEUE };
