import { categorize } from '@imwatch/protocol';
import { testRedisUrl, uniquePrefix } from '@imwatch/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRulesEngine } from './engine.js';
import { counterTiers, DEFAULT_COUNTER_TIERS, pickTier, queryCounts } from './query.js';
import { APP, defaultConfig, failureCallback, MINUTE, otherCallback, T0 } from './rules.test-helpers.js';

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const CODES = [10017, 10023, 80001, 10010, 99999];
let redis: Redis;

const windowOf = (at: number, width: number) => at - (at % width);
const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

/** Deterministic failures over 3 days and 10 minutes: every 7th minute-ish, plus a dense last 10 minutes. */
const NOW = T0 + 3 * DAY + 10 * MINUTE;
const events = [
  ...Array.from({ length: 600 }, (_, i) => ({
    i,
    at: T0 + Math.floor((i * 3 * DAY) / 600) + (i % 50) * 997,
  })),
  ...Array.from({ length: 200 }, (_, i) => ({ i: 600 + i, at: NOW - 10 * MINUTE + i * 2_999 })),
].map(({ i, at }) => ({
  code: CODES[i % CODES.length] as number,
  group: `@g${i % 9}`,
  sender: `u${i % 13}`,
  at,
  random: i,
}));
const others = [T0 + 5, T0 + 2 * HOUR + 7, NOW - MINUTE];

/** An independent tally of every counter key of one tier: key → field → count. */
function expectedCounters(prefix: string, tier: string, width: number) {
  const keys = new Map<string, Map<string, number>>();
  const tally = (key: string, field: string) => {
    const fields = keys.get(key) ?? new Map<string, number>();
    keys.set(key, fields);
    bump(fields, field);
  };
  for (const at of others)
    tally(`${prefix}:traffic:${tier}:${APP}:${windowOf(at, width)}`, 'State.StateChange');
  for (const e of events) {
    const w = windowOf(e.at, width);
    const { category } = categorize(e.code);
    tally(`${prefix}:traffic:${tier}:${APP}:${w}`, 'Group.CallbackSendMsgException');
    tally(`${prefix}:counts:${tier}:${APP}:${w}`, category);
    tally(`${prefix}:counts:${tier}:${APP}:${category}:${w}:groups`, e.group);
    tally(`${prefix}:counts:${tier}:${APP}:${category}:${w}:senders`, e.sender);
  }
  return keys;
}

/** A counter hash's fields (every counter key is a hash). */
async function read(key: string): Promise<Map<string, number>> {
  expect(await redis.type(key)).toBe('hash');
  return new Map(Object.entries(await redis.hgetall(key)).map(([f, n]) => [f, Number(n)]));
}

async function apply(prefix: string, extra = '') {
  const config = defaultConfig(extra);
  const engine = createRulesEngine({ redis, prefix, rules: config.rules, alerting: config.alerting });
  for (const spec of events) await engine.apply(failureCallback(spec));
  for (const at of others) await engine.apply(otherCallback('State.StateChange', at));
  // A second run of each changes nothing: one guard for both tiers.
  for (const spec of events.slice(0, 20))
    expect((await engine.apply(failureCallback(spec))).fresh).toBe(false);
  return config;
}

const prefix = uniquePrefix('tiers');

beforeAll(async () => {
  redis = new Redis(testRedisUrl());
  await apply(prefix);
});
afterAll(async () => {
  await redis.quit();
});

describe('counter tiers', () => {
  it('counts every callback once into fine minute and coarse hour windows, the coarse = Σ fine', async () => {
    for (const [tier, width] of [
      ['fine', MINUTE],
      ['coarse', HOUR],
    ] as const) {
      const expected = expectedCounters(prefix, tier, width);
      const actual = new Map<string, Map<string, number>>();
      for (const key of await redis.keys(`${prefix}:*:${tier}:*`)) actual.set(key, await read(key));
      expect(actual).toEqual(expected);
    }
    // The coarse hashes again, as the sums of the fine ones that Redis holds.
    const sums = new Map<string, Map<string, number>>();
    for (const key of await redis.keys(`${prefix}:*:fine:*`)) {
      const coarse = key.replace(/:fine:(.*):(\d+)(:groups|:senders)?$/, (_, head, win, tail = '') => {
        return `:coarse:${head}:${windowOf(Number(win), HOUR)}${tail}`;
      });
      const fields = sums.get(coarse) ?? new Map<string, number>();
      sums.set(coarse, fields);
      for (const [field, n] of await read(key)) bump(fields, field, n);
    }
    const coarse = new Map<string, Map<string, number>>();
    for (const key of await redis.keys(`${prefix}:*:coarse:*`)) coarse.set(key, await read(key));
    expect(coarse).toEqual(sums);
    expect(coarse.size).toBeGreaterThan(3 * 72);
  });

  it('keeps each tier as long as configured', async () => {
    const p = uniquePrefix('tiers-ttl');
    await apply(p, 'alerting: { countersRetentionDays: 3, fineCountersRetention: 2h }\n');
    const fine = await redis.keys(`${p}:*:fine:*`);
    const coarse = await redis.keys(`${p}:*:coarse:*`);
    expect(fine.length).toBeGreaterThan(100);
    expect(coarse.length).toBeGreaterThan(100);
    // TTLs are set at a key's first count; nothing here takes a minute, so they are that close.
    for (const key of fine) {
      const ttl = await redis.pttl(key);
      expect(ttl, key).toBeLessThanOrEqual(2 * HOUR);
      expect(ttl, key).toBeGreaterThan(2 * HOUR - MINUTE);
    }
    for (const key of coarse) {
      const ttl = await redis.pttl(key);
      expect(ttl, key).toBeLessThanOrEqual(3 * DAY);
      expect(ttl, key).toBeGreaterThan(3 * DAY - MINUTE);
    }
  });

  it('answers a 3-day range from the coarse tier, hour by hour', async () => {
    const result = await queryCounts(redis, prefix, {
      appId: APP,
      windows: 3 * 24 * 60,
      windowMs: MINUTE,
      now: NOW,
      tiers: counterTiers(defaultConfig().alerting),
    });
    const newest = windowOf(NOW, HOUR);
    const from = newest - 71 * HOUR;
    const inRange = events.filter((e) => e.at >= from && e.at < newest + HOUR);
    const byHour = new Map<number, number>();
    for (const e of inRange) byHour.set(windowOf(e.at, HOUR), (byHour.get(windowOf(e.at, HOUR)) ?? 0) + 1);
    expect(result.tier).toBe('coarse');
    expect(result.windowMs).toBe(HOUR);
    expect(result.from).toBe(from);
    expect(result.to).toBe(newest + HOUR);
    expect(result.perWindow).toHaveLength(72);
    expect(result.perWindow.filter((w) => w.total > 0)).toEqual(
      [...byHour].sort(([a], [b]) => a - b).map(([start, total]) => ({ start, total })),
    );
    expect(result.total).toBe(inRange.length);
    const g4 = inRange.filter((e) => e.group === '@g4').length;
    const g4Result = await queryCounts(redis, prefix, {
      appId: APP,
      windows: 72,
      windowMs: HOUR,
      now: NOW,
      groupId: '@g4',
    });
    expect(g4Result.tier).toBe('coarse');
    expect(g4Result.group).toBe(g4);
    expect(result.traffic['State.StateChange']).toBe(others.filter((at) => at >= from).length);
  });

  it('answers the last 10 minutes from the fine tier, minute by minute', async () => {
    const result = await queryCounts(redis, prefix, {
      appId: APP,
      category: 'muted',
      sender: 'u3',
      windows: 10,
      windowMs: MINUTE,
      now: NOW,
    });
    const newest = windowOf(NOW, MINUTE);
    const muted = events.filter(
      (e) => e.at >= newest - 9 * MINUTE && e.at < newest + MINUTE && categorize(e.code).category === 'muted',
    );
    const perMinute = Array.from({ length: 10 }, (_, i) => {
      const start = newest - (9 - i) * MINUTE;
      return { start, total: muted.filter((e) => windowOf(e.at, MINUTE) === start).length };
    });
    expect(result.tier).toBe('fine');
    expect(result.windowMs).toBe(MINUTE);
    expect(result.perWindow).toEqual(perMinute);
    expect(result.total).toBe(muted.length);
    expect(result.sender).toBe(muted.filter((e) => e.sender === 'u3').length);
  });

  it('picks the fine tier only for fine resolutions inside the fine retention', () => {
    const tiers = DEFAULT_COUNTER_TIERS;
    expect(pickTier(10, MINUTE, tiers)).toBe('fine');
    expect(pickTier(24 * 60, MINUTE, tiers)).toBe('fine');
    expect(pickTier(24 * 60 + 1, MINUTE, tiers)).toBe('coarse');
    expect(pickTier(2, HOUR, tiers)).toBe('coarse');
    expect(pickTier(6, 10 * MINUTE, tiers)).toBe('fine');
  });
});
