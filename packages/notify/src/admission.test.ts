import { createRedis } from '@imwatch/queue';
import { sampleAlert, testRedisUrl, uniquePrefix } from '@imwatch/testing';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { admitDelivery, admitDigest, claimDigest, DEFAULT_TTLS, releaseClaim } from './admission.js';
import { heldKey, notifyKeys } from './keys.js';

let redis: Redis;
let prefix: string;
beforeEach(() => {
  redis = createRedis(testRedisUrl(), 'worker');
  prefix = uniquePrefix('adm');
});
afterEach(async () => {
  await redis.quit();
});

const T0 = 1_800_000_000_000;
const perMinute = (max: number) => [{ max, windowMs: 60_000 }];

const deliver = (
  n: number,
  now: number,
  options: { max?: number; maxEntries?: number; jobId?: string } = {},
) =>
  admitDelivery(redis, {
    prefix,
    sink: 'ops',
    limits: perMinute(options.max ?? 3),
    now,
    member: `m-${n}-${Math.random()}`,
    ttls: DEFAULT_TTLS,
    jobId: options.jobId ?? `al-${n}.ops`,
    alert: sampleAlert(n),
    maxEntries: options.maxEntries ?? 100,
  });

describe('rate-limit admission', () => {
  it('lets exactly `max` through however many workers ask at once', async () => {
    const decisions = await Promise.all(
      Array.from({ length: 100 }, (_, n) => deliver(n, T0 + (n % 7), { max: 20 })),
    );
    expect(decisions.filter((d) => d.decision === 'send')).toHaveLength(20);
    expect(decisions.filter((d) => d.decision === 'held')).toHaveLength(80);
    expect(Number(await redis.get(notifyKeys(prefix, 'ops').digestTotal))).toBe(80);
  });

  it('is a sliding window: a slot frees exactly one window after it was taken', async () => {
    await deliver(1, T0);
    await deliver(2, T0 + 10_000);
    await deliver(3, T0 + 20_000);
    expect(await deliver(4, T0 + 59_999)).toEqual({ decision: 'held', waitMs: 1, gen: 0 });
    expect(await deliver(5, T0 + 60_000)).toEqual({ decision: 'send' });
    expect(await deliver(6, T0 + 60_001)).toEqual({ decision: 'held', waitMs: 9_999, gen: 0 });
  });

  it('holds an alert once, however often its job runs', async () => {
    for (let n = 0; n < 3; n++) await deliver(n, T0);
    const first = await deliver(9, T0);
    const again = await deliver(9, T0 + 1);
    expect(first.decision).toBe('held');
    expect(again.decision).toBe('held');
    const keys = notifyKeys(prefix, 'ops');
    expect(await redis.llen(keys.digestEntries)).toBe(1);
    expect(await redis.get(keys.digestTotal)).toBe('1');
    expect(await redis.pttl(heldKey(prefix, 'al-9.ops'))).toBeGreaterThan(0);
  });

  it('counts held alerts beyond the list cap without keeping them', async () => {
    for (let n = 0; n < 3; n++) await deliver(n, T0);
    for (let n = 10; n < 15; n++) await deliver(n, T0, { maxEntries: 2 });
    const batch = await claimDigest(redis, prefix, 'ops', 0, DEFAULT_TTLS);
    expect(batch.total).toBe(5);
    expect(batch.entries.map((entry) => entry.id)).toEqual(['al-000010', 'al-000011']);
  });

  it('gives every state key a TTL', async () => {
    for (let n = 0; n < 4; n++) await deliver(n, T0);
    const keys = await redis.keys(`${prefix}:*`);
    expect(keys.length).toBeGreaterThanOrEqual(4);
    for (const key of keys) expect(await redis.pttl(key)).toBeGreaterThan(0);
  });
});

describe('digest claims', () => {
  it('claims a generation once, finds it again on a re-run, and gives a stale job nothing', async () => {
    for (let n = 0; n < 5; n++) await deliver(n, T0);
    const first = await claimDigest(redis, prefix, 'ops', 0, DEFAULT_TTLS);
    expect(first.total).toBe(2);
    // A re-run of the same digest job (crashed before copying its batch) finds the same batch.
    expect(await claimDigest(redis, prefix, 'ops', 0, DEFAULT_TTLS)).toEqual(first);
    await releaseClaim(redis, prefix, 'ops', 0);
    expect(await claimDigest(redis, prefix, 'ops', 0, DEFAULT_TTLS)).toEqual({ total: 0, entries: [] });

    // Alerts held after the claim belong to generation 1.
    expect(await deliver(7, T0 + 1)).toMatchObject({ decision: 'held', gen: 1 });
    expect((await claimDigest(redis, prefix, 'ops', 1, DEFAULT_TTLS)).entries.map((e) => e.id)).toEqual([
      'al-000007',
    ]);
  });

  it('makes a digest wait for a free slot without holding anything', async () => {
    for (let n = 0; n < 3; n++) await deliver(n, T0);
    const request = { prefix, sink: 'ops', limits: perMinute(3), member: 'd', ttls: DEFAULT_TTLS };
    expect(await admitDigest(redis, { ...request, now: T0 + 30_000 })).toEqual({
      decision: 'wait',
      waitMs: 30_000,
    });
    expect(await redis.exists(notifyKeys(prefix, 'ops').digestTotal)).toBe(0);
    expect(await admitDigest(redis, { ...request, now: T0 + 60_000 })).toEqual({ decision: 'send' });
  });
});
