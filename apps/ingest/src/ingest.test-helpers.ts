import { type Config, parseConfig } from '@imwatch/config';
import {
  CALLBACKS_QUEUE,
  type CallbackQueue,
  createCallbackQueue,
  createRedis,
  imwatchKeys,
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
  queue: CallbackQueue;
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
  const logger = options.logger ?? createLogger('ingest-test', 'silent');
  const clock = { now: Date.now() };
  const streamKey = imwatchKeys(prefix).rejections;
  const app = createApp({
    config,
    logger,
    enqueuer: options.enqueuer?.(queue, redis) ?? createShippedEnqueuer(redis, queue, config),
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
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export { CALLBACKS_QUEUE };
