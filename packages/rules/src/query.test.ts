import { categorize } from '@imwatch/protocol';
import { testRedisUrl, uniquePrefix } from '@imwatch/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HASHTABLE_MARKER } from './apply.lua.js';
import { createRulesEngine } from './engine.js';
import { queryCounts } from './query.js';
import { APP, defaultConfig, failureCallback, MINUTE, otherCallback, T0 } from './rules.test-helpers.js';

const CODES = [10017, 10023, 80001, 10010, 99999];
let redis: Redis;
const prefix = uniquePrefix('query');

/** Deterministic spread of callbacks over 3 one-minute windows, tallied here independently. */
const events = Array.from({ length: 300 }, (_, i) => ({
  code: CODES[i % CODES.length] as number,
  group: `@g${i % 7}`,
  sender: `u${i % 11}`,
  at: T0 + (i % 3) * MINUTE + i,
}));

beforeAll(async () => {
  redis = new Redis(testRedisUrl());
  const config = defaultConfig();
  const engine = createRulesEngine({ redis, prefix, rules: config.rules, alerting: config.alerting });
  for (const spec of events) await engine.apply(failureCallback(spec));
  for (let i = 0; i < 4; i++) await engine.apply(otherCallback('State.StateChange', T0 + i));
});
afterAll(async () => {
  await redis.quit();
});

describe('queryCounts', () => {
  it('answers totals, one group and one sender, and the top lists over the last N windows', async () => {
    const inLastTwo = events.filter((e) => e.at >= T0 + MINUTE);
    const rateLimited = inLastTwo.filter((e) => categorize(e.code).category === 'rate_limited');
    const result = await queryCounts(redis, prefix, {
      appId: APP,
      category: 'rate_limited',
      groupId: '@g3',
      sender: 'u5',
      windows: 2,
      windowMs: MINUTE,
      now: T0 + 2 * MINUTE + 30_000,
      top: 3,
    });
    expect(result.from).toBe(T0 + MINUTE);
    expect(result.to).toBe(T0 + 3 * MINUTE);
    expect(result.total).toBe(rateLimited.length);
    expect(result.byCategory).toEqual({ rate_limited: rateLimited.length });
    expect(result.group).toBe(rateLimited.filter((e) => e.group === '@g3').length);
    expect(result.sender).toBe(rateLimited.filter((e) => e.sender === 'u5').length);
    const bySender = new Map<string, number>();
    for (const e of rateLimited) bySender.set(e.sender, (bySender.get(e.sender) ?? 0) + 1);
    const expectedTop = [...bySender.values()].sort((a, b) => b - a).slice(0, 3);
    expect(result.topSenders.map((s) => s.count)).toEqual(expectedTop);
    for (const { sender, count } of result.topSenders) expect(bySender.get(sender)).toBe(count);
  });

  it('counts every category and the traffic of every command', async () => {
    const result = await queryCounts(redis, prefix, {
      appId: APP,
      windows: 3,
      windowMs: MINUTE,
      now: T0 + 2 * MINUTE,
    });
    expect(result.total).toBe(events.length);
    expect(result.perWindow.map((w) => w.total)).toEqual([100, 100, 100]);
    expect(result.byCategory.other).toBe(events.filter((e) => e.code === 99999).length);
    expect(result.traffic).toEqual({ 'Group.CallbackSendMsgException': 300, 'State.StateChange': 4 });
    expect(result.topGroups.reduce((n, g) => n + g.count, 0)).toBeLessThanOrEqual(300);
    expect(result.topGroups).toHaveLength(7);
  });
});

describe('groups and senders hashes', () => {
  const odd = uniquePrefix('query-odd');
  // Members next to the hashtable marker: its look-alikes, and names longer than a listpack takes.
  const names = ['\uFFFD', '~'.repeat(80), HASHTABLE_MARKER.value, 'g'];
  const window = `${T0 - (T0 % MINUTE)}`;

  beforeAll(async () => {
    const config = defaultConfig();
    const engine = createRulesEngine({ redis, prefix: odd, rules: config.rules, alerting: config.alerting });
    for (const [i, name] of names.entries())
      for (let n = 0; n <= i; n++)
        await engine.apply(failureCallback({ code: 10023, group: name, sender: name, at: T0 + i * 10 + n }));
  });

  it('are made in hashtable encoding and hold only their members', async () => {
    for (const tier of ['fine', 'coarse'])
      for (const set of ['groups', 'senders']) {
        const key = `${odd}:counts:${tier}:${APP}:rate_limited:${tier === 'fine' ? window : T0}:${set}`;
        expect(await redis.object('ENCODING', key)).toBe('hashtable');
        const raw = await redis.hgetallBuffer(key);
        expect(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.toString()]))).toEqual(
          Object.fromEntries(names.map((name, i) => [name, String(i + 1)])),
        );
        expect(await redis.hexists(key, Buffer.from([0xff]))).toBe(0);
      }
  });

  it('answer the top lists and one member by name', async () => {
    const result = await queryCounts(redis, odd, {
      appId: APP,
      groupId: '\uFFFD',
      sender: HASHTABLE_MARKER.value,
      windows: 1,
      windowMs: MINUTE,
      now: T0 + 1000,
    });
    const expected = names.map((name, i) => ({ name, count: i + 1 })).reverse();
    expect(result.topGroups).toEqual(expected.map(({ name, count }) => ({ groupId: name, count })));
    expect(result.topSenders).toEqual(expected.map(({ name, count }) => ({ sender: name, count })));
    expect(result.group).toBe(1);
    expect(result.sender).toBe(3);
    expect(result.total).toBe(10);
  });

  it('keep counting a member hash that outlived its counts hash (a late event)', async () => {
    const counts = `${odd}:counts:fine:${APP}:${window}`;
    const groups = `${counts.slice(0, -window.length)}rate_limited:${window}:groups`;
    await redis.del(counts);
    const config = defaultConfig();
    const engine = createRulesEngine({ redis, prefix: odd, rules: config.rules, alerting: config.alerting });
    await engine.apply(failureCallback({ code: 10023, group: 'g', sender: 'g', at: T0 + 500 }));
    expect(await redis.hget(groups, 'g')).toBe('5');
    expect(await redis.hget(groups, '~'.repeat(80))).toBe('2');
    expect(await redis.hexists(groups, Buffer.from([0xff]))).toBe(0);
    expect(await redis.hgetall(counts)).toEqual({ rate_limited: '1' });
  });
});
