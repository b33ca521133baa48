import { parseConfig } from '@imwatch/config';
import { createSinks } from '@imwatch/notify';
import { createNotificationQueue, createRedis, enqueueDeliveries } from '@imwatch/queue';
import type { Logger } from '@imwatch/runtime';
import { sampleAlert, testRedisUrl, uniquePrefix } from '@imwatch/testing';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNotificationWorker } from './notification-worker.js';
import { capturingLogger } from './worker.test-helpers.js';

let connection: Redis;
let prefix: string;
const closers: (() => Promise<unknown>)[] = [];

beforeEach(() => {
  prefix = uniquePrefix('notify');
  connection = createRedis(testRedisUrl(), 'worker');
  closers.push(() => connection.quit());
});
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers.length = 0;
});

/** A notification worker for a config without `sinks:` (only the built-in log sink). */
function startWorkerWithoutSinks(sinkLogger: Logger, concurrency: number) {
  const config = parseConfig({}, 'apps: [{ sdkAppId: 1400000000 }]');
  const queue = createNotificationQueue(connection, prefix, { backoffMs: 10 });
  closers.push(() => queue.close());
  const worker = createNotificationWorker({
    connection,
    prefix,
    queue,
    sinks: createSinks(config.sinks, { logger: sinkLogger }),
    logger: pino({ level: 'silent' }),
    concurrency,
  });
  closers.push(() => worker.close());
  return queue;
}

describe('notification worker with the log sink', () => {
  it('logs every alert once, with its text, when no sinks are configured', async () => {
    const { logger, lines } = capturingLogger();
    const queue = startWorkerWithoutSinks(logger, 4);

    for (let n = 0; n < 5; n++) await enqueueDeliveries(queue, sampleAlert(n), ['log']);
    // The same alert again is the same job id: no second line.
    await enqueueDeliveries(queue, sampleAlert(0), ['log']);

    await expect.poll(() => queue.getCompletedCount(), { timeout: 10_000 }).toBe(5);
    const alertLines = lines.filter((line) => line.sink === 'log');
    expect(alertLines.map((line) => (line.alert as { id: string }).id).sort()).toEqual([
      'al-000000',
      'al-000001',
      'al-000002',
      'al-000003',
      'al-000004',
    ]);
    const first = alertLines.find((line) => (line.alert as { id: string }).id === 'al-000001');
    expect(first?.level).toBe(40); // warn, the default level of the log sink
    expect(first?.msg).toBe('imwatch alert: rate-limited-group');
    expect(first?.text).toContain('Group @TGS#2ABCDEF hit the send-rate limit 21 times');
    expect(first?.text).toContain('Top senders: user_a (12), user_b (8)');
  });

  it('fails a delivery to a sink the config does not have at once and keeps it', async () => {
    const queue = startWorkerWithoutSinks(capturingLogger().logger, 1);
    await enqueueDeliveries(queue, sampleAlert(1), ['pager']);
    await expect.poll(() => queue.getFailedCount(), { timeout: 10_000 }).toBe(1);
    const [failed] = await queue.getFailed();
    expect(failed?.id).toBe('al-000001.pager');
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toContain('unknown sink "pager"');
  });
});
