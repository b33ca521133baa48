import { parseConfig } from '@imwatch/config';
import {
  createNotificationQueue,
  createRedis,
  DIGEST_JOB,
  enqueueDeliveries,
  type NotificationQueue,
} from '@imwatch/queue';
import {
  type FakeService,
  sampleAlert,
  startFakeService,
  testRedisUrl,
  uniquePrefix,
} from '@imwatch/testing';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeliveryProcessor, digestJobId } from './delivery.js';
import { notifyKeys } from './keys.js';
import { createSinks } from './sinks/index.js';

let redis: Redis;
let queue: NotificationQueue;
let prefix: string;
let service: FakeService;
beforeEach(async () => {
  redis = createRedis(testRedisUrl(), 'worker');
  prefix = uniquePrefix('proc');
  queue = createNotificationQueue(redis, prefix);
  service = await startFakeService();
});
afterEach(async () => {
  await queue.close();
  await redis.quit();
  await service.close();
});

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

function processor(now: () => number) {
  const config = parseConfig(
    {},
    `apps: [{ sdkAppId: 1400000000 }]\nsinks:\n  ops: { type: wecom, webhookUrl: "${service.url}/send", rateLimit: { perMinute: 1 } }\n`,
  );
  return createDeliveryProcessor({
    redis,
    prefix,
    queue,
    sinks: createSinks(config.sinks, { logger: undefined as never }),
    now,
  });
}

const jobOf = async (id: string) => (await queue.getJob(id)) as Job;

describe('delivery processor run twice (retry, stalled job)', () => {
  it('holds an alert for the digest once, and one digest job stands for the generation', async () => {
    const process = processor(() => T0);
    await enqueueDeliveries(queue, sampleAlert(1), ['ops']);
    await enqueueDeliveries(queue, sampleAlert(2), ['ops']);
    expect(await process(await jobOf('al-000001.ops'))).toEqual({
      status: 'delivered',
      sink: 'ops',
      detail: 'errcode 0',
    });
    const held = { status: 'held', sink: 'ops', digestJobId: 'digest.ops.0' };
    expect(await process(await jobOf('al-000002.ops'))).toEqual(held);
    expect(await process(await jobOf('al-000002.ops'))).toEqual(held);
    expect(await redis.get(notifyKeys(prefix, 'ops').digestTotal)).toBe('1');
    expect(await redis.llen(notifyKeys(prefix, 'ops').digestEntries)).toBe(1);
    const digests = (await queue.getJobs(['delayed', 'waiting'])).filter((job) => job.name === DIGEST_JOB);
    expect(digests.map((job) => job.id)).toEqual([digestJobId('ops', 0)]);
    expect(service.requests).toHaveLength(1);
  });

  it('sends a digest run again after its claim with the same batch, never with later alerts', async () => {
    let clock = T0;
    const process = processor(() => clock);
    for (let n = 1; n <= 3; n++) await enqueueDeliveries(queue, sampleAlert(n), ['ops']);
    for (let n = 1; n <= 3; n++) await process(await jobOf(`al-00000${n}.ops`));
    clock = T0 + 60_000;
    const digest = await jobOf(digestJobId('ops', 0));
    expect(await process(digest)).toEqual({ status: 'digest-sent', sink: 'ops', total: 2 });

    // An alert held after the claim goes to generation 1, not into the first digest's re-run.
    await enqueueDeliveries(queue, sampleAlert(4), ['ops']);
    expect(await process(await jobOf('al-000004.ops'))).toMatchObject({ digestJobId: 'digest.ops.1' });
    clock = T0 + 120_000;
    expect(await process(await jobOf(digestJobId('ops', 0)))).toEqual({
      status: 'digest-sent',
      sink: 'ops',
      total: 2,
    });
    const texts = service.requests.map((request) => JSON.parse(request.body).text.content as string);
    expect(texts).toHaveLength(3);
    expect(texts[1]).toBe(texts[2]);
    expect(texts[2]).not.toContain('(alert 4)');
  });
});
