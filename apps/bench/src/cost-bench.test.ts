import { CALLBACKS_QUEUE, createNotificationQueue, createRedis } from '@imwatch/queue';
import { testRedisUrl, uniquePrefix } from '@imwatch/testing';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryByClass } from './cost-bench.js';

let redis: Redis;
let prefix: string;
beforeEach(() => {
  redis = createRedis(testRedisUrl(), 'worker');
  prefix = uniquePrefix('bench');
});
afterEach(async () => {
  await redis.quit();
});

describe('memory by class', () => {
  it('tells dedup keys, kept jobs, other queues, streams and worker state apart', async () => {
    const cb = `${prefix}:${CALLBACKS_QUEUE}`;
    await redis.set(`${cb}:de:cb-1`, 'cb-1', 'PX', 60_000);
    await redis.set(`${cb}:de:cb-2`, 'cb-2', 'PX', 30_000);
    await redis.hset(`${cb}:cb-1`, 'name', 'X', 'data', '{}');
    await redis.hset(`${cb}:meta`, 'opts.maxLenEvents', '10000');
    await redis.xadd(`${prefix}:alerts`, '*', 'a', '1');
    const notifications = createNotificationQueue(redis, prefix);
    await notifications.waitUntilReady();
    await redis.hset(`${prefix}:notifications:meta`, 'x', '1');
    await redis.hset(`${prefix}:notifications:1`, 'name', 'deliver');
    await redis.set(`${prefix}:counts:w1`, '3', 'PX', 86_400_000);
    await redis.set(`${prefix}:counts:forever`, '3');
    await redis.set(`${prefix}:guard:cb-1`, '', 'PX', 3_600_000);

    const classes = await memoryByClass(redis, prefix);
    expect(classes.dedup).toMatchObject({ keys: 2, noTtl: 0 });
    expect(classes.dedup.maxTtlMs).toBeGreaterThan(30_000);
    expect(classes.dedup.maxTtlMs).toBeLessThanOrEqual(60_000);
    expect(classes.keptJobs).toMatchObject({ keys: 1, noTtl: 1 });
    expect(classes.queueStructures.keys).toBe(1);
    expect(classes.otherQueuesAndStreams.keys).toBe(3);
    expect(Object.keys(classes.workerState).sort()).toEqual(['counts', 'guard']);
    expect(classes.workerState.counts).toMatchObject({ keys: 2, noTtl: 1 });
    expect(classes.workerState.guard).toMatchObject({ keys: 1, noTtl: 0 });
    expect(classes.workerState.guard?.maxTtlMs).toBeGreaterThan(3_000_000);
    // bytes × seconds: the guard's own size times about an hour.
    const guard = classes.workerState.guard;
    expect(guard?.byteSeconds).toBeGreaterThan(((guard?.bytes ?? 0) * 3_000_000) / 1000);
    expect(guard?.byteSeconds).toBeLessThanOrEqual(((guard?.bytes ?? 0) * 3_600_000) / 1000);
    await notifications.obliterate({ force: true });
    await notifications.close();
    await redis.del(...(await redis.keys(`${prefix}*`)));
  });
});
