import { type Alert, alertSchema } from '@imwatch/queue';
import { testRedisUrl, uniquePrefix } from '@imwatch/testing';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyScript } from './apply.lua.js';
import { createRulesEngine, type RulesEngine } from './engine.js';
import { toEvent } from './event.js';
import { rulesKeys } from './keys.js';
import { buildPlan, compileRules, planSettings } from './plan.js';
import {
  APP,
  defaultConfig,
  type FailureSpec,
  failureCallback,
  MINUTE,
  otherCallback,
  T0,
} from './rules.test-helpers.js';

const MUTED = 10017;
const RATE = 10023;
const BLOCKED = 80001;
const NO_GROUP = 10010;
const UNKNOWN = 99999;

let redis: Redis;
let prefix: string;
let engine: RulesEngine;

beforeEach(() => {
  redis = new Redis(testRedisUrl());
  prefix = uniquePrefix('rules');
  const config = defaultConfig();
  engine = createRulesEngine({ redis, prefix, rules: config.rules, alerting: config.alerting });
});
afterEach(async () => {
  await redis.quit();
});

/** Applies callbacks in order and returns every alert they produced. */
async function run(...specs: FailureSpec[]): Promise<Alert[]> {
  const alerts: Alert[] = [];
  for (const spec of specs) alerts.push(...(await engine.apply(failureCallback(spec))).alerts);
  // Every alert must keep the public contract the sinks rely on.
  for (const alert of alerts) expect(alertSchema.strict().parse(alert)).toEqual(alert);
  return alerts;
}

const times = (n: number, spec: (i: number) => FailureSpec) => Array.from({ length: n }, (_, i) => spec(i));

async function snapshot(): Promise<Map<string, string>> {
  const keys = await redis.keys(`${prefix}:*`);
  const out = new Map<string, string>();
  for (const key of keys.sort())
    out.set(key, ((await redis.dumpBuffer(key)) ?? Buffer.alloc(0)).toString('hex'));
  return out;
}

describe('muted-sender (alert, cooldown 10m)', () => {
  it('alerts once per sender and group, suppresses repeats and reports them in the next alert', async () => {
    const first = await run({ code: MUTED, at: T0 });
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      rule: 'muted-sender',
      kind: 'alert',
      category: 'muted',
      appId: APP,
      groupId: '@TGS#g1',
      groupType: 'Public',
      sender: 'alice',
      errorCode: MUTED,
      errorInfo: `error ${MUTED}`,
      count: 1,
      firstEventTime: T0,
      lastEventTime: T0,
      sample: { msgType: 'TIMTextElem', text: 'hello' },
    });
    expect(first[0]?.summary).toBe(
      'Sender alice, group @TGS#g1, app 1400000000: message not delivered, sender is muted (banned from speaking) (ErrorCode 10017).',
    );
    // Repeats until just before the cooldown ends are suppressed; another sender is its own key.
    expect(await run(...times(4, (i) => ({ code: MUTED, at: T0 + i * MINUTE + 1 })))).toEqual([]);
    expect(await run({ code: MUTED, at: T0 + 10 * MINUTE - 1 })).toEqual([]);
    expect(await run({ code: MUTED, sender: 'bob', at: T0 + MINUTE })).toHaveLength(1);
    expect(await run({ code: MUTED, group: '@TGS#g2', at: T0 + MINUTE })).toHaveLength(1);
    const next = await run({ code: MUTED, at: T0 + 10 * MINUTE });
    expect(next).toHaveLength(1);
    expect(next[0]?.suppressed).toBe(5);
    expect(next[0]?.summary).toMatch(/; 5 more suppressed since the last alert\.$/);
    const after = await run({ code: MUTED, at: T0 + 20 * MINUTE });
    expect(after[0]?.suppressed).toBeUndefined();
    // Suppressed repeats outlive the cooldown state's short TTL, so a much later alert reports them.
    await run({ code: MUTED, at: T0 + 21 * MINUTE });
    const key = rulesKeys(prefix).cooldown('muted-sender', `${APP}|@TGS#g1|alice`);
    expect(await redis.pttl(key)).toBeGreaterThan(6 * 24 * 60 * MINUTE);
  });
});

describe('rate-limited-group (threshold 20 per 1m, top senders)', () => {
  it('fires once when the 20th event of a window arrives, with the count and top senders', async () => {
    // Window edges: 5 events just before the window and 5 just after do not count in it.
    const senders = (i: number) =>
      ['s1', 's1', 's1', 's2', 's2', 's3', 's4', 's5', 's6', 's7'][i % 10] ?? 'x';
    const outside = [
      ...times(5, (i) => ({ code: RATE, sender: `o${i}`, at: T0 - 1 })),
      ...times(5, (i) => ({ code: RATE, sender: `p${i}`, at: T0 + MINUTE })),
    ];
    expect((await run(...outside)).filter((a) => a.rule === 'rate-limited-group')).toEqual([]);
    const nineteen = times(19, (i) => ({ code: RATE, sender: senders(i), at: T0 + i * 3000 }));
    expect((await run(...nineteen)).filter((a) => a.rule === 'rate-limited-group')).toEqual([]);
    const fired = (await run({ code: RATE, sender: 's1', at: T0 + MINUTE - 1 })).filter(
      (a) => a.rule === 'rate-limited-group',
    );
    expect(fired).toHaveLength(1);
    // Independent tally of the 20 events in [T0, T0+1m): s1 ×7, s2 ×4, s3..s7 ×2 (s3 first by order).
    expect(fired[0]).toMatchObject({
      kind: 'threshold',
      category: 'rate_limited',
      groupId: '@TGS#g1',
      count: 20,
      window: { start: T0, end: T0 + MINUTE },
      firstEventTime: T0,
      lastEventTime: T0 + MINUTE - 1,
    });
    expect(fired[0]?.sender).toBeUndefined();
    const top = fired[0]?.top ?? [];
    expect(top.slice(0, 2)).toEqual([
      { sender: 's1', count: 7 },
      { sender: 's2', count: 4 },
    ]);
    expect(top).toHaveLength(5);
    expect(top.slice(2).every((entry) => entry.count === 2)).toBe(true);
    expect(fired[0]?.summary).toMatch(
      /^Group @TGS#g1, app 1400000000: 20 messages not delivered \(send rate over the limit\) in the 1m window from 2026-01-01T00:00:00.000Z; top senders: s1 \(7\), s2 \(4\), /,
    );
    // More events in the same window do not fire again; the next window starts from zero.
    expect(
      (await run(...times(10, () => ({ code: RATE, sender: 'z', at: T0 + 100 })))).filter(
        (a) => a.rule === 'rate-limited-group',
      ),
    ).toEqual([]);
  });
});

describe('rate-limited-sender (threshold 10 per 1m)', () => {
  it('counts one sender across groups and fires at 10, not at 9', async () => {
    const nine = times(9, (i) => ({ code: RATE, sender: 'bob', group: `@g${i}`, at: T0 + i }));
    expect(await run(...nine)).toEqual([]);
    expect(await run({ code: RATE, sender: 'bob', group: '@g9', at: T0 + MINUTE })).toEqual([]);
    const tenth = await run({ code: RATE, sender: 'bob', group: '@g0', at: T0 + MINUTE - 1 });
    // Not grouped by error code: the alert names no group and no code's ErrorInfo.
    expect(tenth.map((a) => [a.rule, a.sender, a.count, a.groupId, a.errorInfo])).toEqual([
      ['rate-limited-sender', 'bob', 10, undefined, undefined],
    ]);
  });
});

describe('content-blocked-sender (threshold 3 per 1h)', () => {
  it('fires on the third blocked message of a sender within the hour', async () => {
    expect(await run({ code: BLOCKED, at: T0 }, { code: 10150, at: T0 + 59 * MINUTE })).toEqual([]);
    expect(await run({ code: BLOCKED, at: T0 + 60 * MINUTE })).toEqual([]);
    const third = await run({ code: 10016, at: T0 + 30 * MINUTE });
    expect(third.map((a) => [a.rule, a.sender, a.count])).toEqual([['content-blocked-sender', 'alice', 3]]);
  });
});

describe('invalid-request (threshold 10 per 5m by app, errorCode, group)', () => {
  it('fires for ten of one code in one group, not for ten split across codes', async () => {
    const split = times(10, (i) => ({ code: i % 2 ? NO_GROUP : 10004, group: '@gone', at: T0 + i }));
    expect(await run(...split)).toEqual([]);
    const more = await run(
      ...times(5, (i) => ({ code: NO_GROUP, group: '@gone', at: T0 + 5 * MINUTE - 1 - i })),
    );
    expect(more.map((a) => [a.rule, a.groupId, a.errorCode, a.errorInfo, a.count])).toEqual([
      ['invalid-request', '@gone', NO_GROUP, `error ${NO_GROUP}`, 10],
    ]);
  });
});

describe('unknown-error-code (alert, cooldown 24h)', () => {
  it('alerts on a code the catalogue does not know, once a day, and not on known codes', async () => {
    expect(await run({ code: 10002, at: T0 })).toEqual([]);
    const first = await run({ code: UNKNOWN, at: T0 });
    expect(first.map((a) => [a.rule, a.category, a.errorCode])).toEqual([
      ['unknown-error-code', 'other', UNKNOWN],
    ]);
    // Tencent's own ErrorInfo is the only meaning an unknown code has; "not in the catalogue" once.
    expect(first[0]?.summary).toBe(
      'ErrorCode 99999, app 1400000000: message not delivered, "error 99999" (ErrorCode 99999, not in the catalogue).',
    );
    expect(await run({ code: UNKNOWN, sender: 'other', at: T0 + 23 * 60 * MINUTE })).toEqual([]);
    expect(await run({ code: 99998, at: T0 + MINUTE })).toHaveLength(1);
    expect((await run({ code: UNKNOWN, at: T0 + 24 * 60 * MINUTE }))[0]?.suppressed).toBe(1);
  });
});

describe('text Lua cannot carry', () => {
  // JSON may escape half of a UTF-16 surrogate pair ("\ud800"); JavaScript keeps it, but Redis'
  // cjson refuses the escape and UTF-8 has no encoding for it.
  it('alerts on a sender, group and sample text holding a lone surrogate, with U+FFFD in its place', async () => {
    const [muted] = await run({
      code: MUTED,
      sender: 'al\ud800ice',
      group: '@TGS#\udc00g',
      text: 'hi\ud83d',
      at: T0,
    });
    expect(muted).toMatchObject({
      sender: 'al\ufffdice',
      groupId: '@TGS#\ufffdg',
      sample: { text: 'hi\ufffd' },
    });
    const rated = await run(
      ...times(10, (i) => ({ code: RATE, sender: 'b\udfffb', group: `g${i}`, at: T0 })),
    );
    expect(rated.map((a) => [a.rule, a.sender])).toEqual([['rate-limited-sender', 'b\ufffdb']]);
  });

  it('cuts a long sample text between, not inside, a surrogate pair', async () => {
    const [alert] = await run({ code: MUTED, sender: 'emoji', text: `${'x'.repeat(199)}😀 more`, at: T0 });
    expect(alert?.sample?.text).toBe('x'.repeat(199));
  });

  it('cuts a long ErrorInfo quoted in a summary between, not inside, a surrogate pair', async () => {
    const callback = failureCallback({ code: UNKNOWN, at: T0 });
    callback.body.ErrorInfo = `${'x'.repeat(199)}😀 more`;
    const { alerts } = await engine.apply(callback);
    expect(alerts.map((a) => a.rule)).toEqual(['unknown-error-code']);
    expect(alerts[0]?.summary).toContain(`"${'x'.repeat(199)}"`);
  });
});

describe('threshold rule with a cooldown', () => {
  it('holds back later windows of a key that alerted recently and reports them in the next alert', async () => {
    const config = defaultConfig(`rules:
  - { name: hot-group, kind: threshold, match: { category: [rate_limited] }, groupBy: [app, group], window: 1m, threshold: 2, cooldown: 5m }
`);
    engine = createRulesEngine({ redis, prefix, rules: config.rules, alerting: config.alerting });
    const windowOf = (minute: number) => times(3, (i) => ({ code: RATE, at: T0 + minute * MINUTE + i }));
    const fired: Alert[][] = [];
    for (const minute of [0, 1, 2, 4, 5, 6]) fired.push(await run(...windowOf(minute)));
    expect(fired.map((alerts) => alerts.length)).toEqual([1, 0, 0, 0, 1, 0]);
    expect(fired[0]?.[0]?.suppressed).toBeUndefined();
    expect(fired[4]?.[0]).toMatchObject({ count: 2, suppressed: 3, window: { start: T0 + 5 * MINUTE } });
  });
});

describe('inhibition', () => {
  it('holds back the sender rate-limit alert of a sender muted in that group', async () => {
    expect(await run({ code: MUTED, sender: 'mia', at: T0 })).toHaveLength(1);
    let inhibited = 0;
    const alerts: Alert[] = [];
    for (let i = 0; i < 12; i++) {
      const result = await engine.apply(failureCallback({ code: RATE, sender: 'mia', at: T0 + i }));
      inhibited += result.inhibited;
      alerts.push(...result.alerts);
    }
    expect(alerts).toEqual([]);
    expect(inhibited).toBe(3);
    // The same rate limit for a sender that is not muted does fire.
    const other = await run(
      ...times(10, (i) => ({ code: RATE, sender: 'max', group: '@TGS#g2', at: T0 + i })),
    );
    expect(other.map((a) => a.rule)).toEqual(['rate-limited-sender']);
    // Once the mute alert's cooldown is over, the inhibition ends with it.
    const later = await run(...times(10, (i) => ({ code: RATE, sender: 'mia', at: T0 + 11 * MINUTE + i })));
    expect(later.map((a) => a.rule)).toEqual(['rate-limited-sender']);
  });
});

describe('exactly once', () => {
  it('changes nothing when the same callback is applied again, and returns the same alerts', async () => {
    await run(...times(19, (i) => ({ code: RATE, sender: `s${i}`, at: T0 + i })));
    const callback = failureCallback({ code: RATE, sender: 'last', at: T0 + 100 });
    const first = await engine.apply(callback);
    expect(first.fresh).toBe(true);
    expect(first.alerts.map((a) => a.rule)).toEqual(['rate-limited-group']);
    const before = await snapshot();
    const again = await engine.apply(callback);
    const copy = await engine.apply(structuredClone(callback));
    expect(again).toEqual({ fresh: false, alerts: first.alerts, inhibited: 0 });
    expect(copy.fresh).toBe(false);
    expect(await snapshot()).toEqual(before);
    expect(await redis.xlen(rulesKeys(prefix).alerts)).toBe(1);
  });

  it('changes nothing on the run without threshold templates that finds a rule may fire', async () => {
    await run(...times(19, (i) => ({ code: RATE, sender: `s${i}`, at: T0 + i })));
    const callback = failureCallback({ code: RATE, sender: 'last', at: T0 + 100 });
    const config = defaultConfig();
    const alerting = config.alerting;
    const compiled = compileRules(config.rules, alerting);
    const settings = planSettings(alerting);
    const plan = buildPlan(
      callback.callbackId,
      toEvent(callback),
      compiled,
      rulesKeys(prefix),
      settings,
      new Map(),
      false,
    );
    const before = await snapshot();
    const batchOfOne = [1, plan.keys.length, plan.args.length, ...plan.args];
    expect(
      await redis.eval(applyScript(compiled, settings), plan.keys.length, ...plan.keys, ...batchOfOne),
    ).toEqual([2, '', 0]);
    expect(await snapshot()).toEqual(before);
    // The engine then runs it with the templates: applied once, the alert fired once.
    const applied = await engine.apply(callback);
    expect(applied.alerts.map((a) => a.rule)).toEqual(['rate-limited-group']);
    expect(await redis.xlen(rulesKeys(prefix).alerts)).toBe(1);
  });

  it('gives every alert a deterministic id without colons that is not all digits', async () => {
    const alerts = await run({ code: MUTED, at: T0 }, { code: UNKNOWN, at: T0 });
    for (const alert of alerts) expect(alert.id).toMatch(/^[a-z0-9-]+-[0-9a-f]+(-\d+)?$/);
    const stream = await redis.xrange(rulesKeys(prefix).alerts, '-', '+');
    expect(stream.map(([, fields]) => JSON.parse(fields[5] ?? '{}').id)).toEqual(alerts.map((a) => a.id));
  });

  it('keeps its state under the key names docs/rules.md documents (operators scan for them)', async () => {
    await run(
      { code: MUTED, at: T0 },
      ...times(20, (i) => ({ code: RATE, sender: `s${i % 3}`, at: T0 + i })),
    );
    // Written out here, not built with rulesKeys(), so a change of layout must also change the docs.
    const group = `${APP}|@TGS#g1`;
    expect(await redis.hget(`${prefix}:rule:muted-sender:cooldown:${group}|alice`, 'until')).not.toBeNull();
    expect(await redis.hget(`${prefix}:rule:rate-limited-group:window:${T0}:${group}`, 'count')).toBe('20');
    expect(await redis.zscore(`${prefix}:rule:rate-limited-group:top:${T0}:${group}`, 's0')).toBe('7');
    const ruleKeys = await redis.keys(`${prefix}:rule:*`);
    expect(ruleKeys.length).toBeGreaterThan(3);
    for (const key of ruleKeys) expect(key).toMatch(/:rule:[a-z0-9_-]+:(cooldown|window|top):/);
  });

  it('puts a TTL on every key it writes', async () => {
    await run(
      { code: MUTED, at: T0 },
      ...times(25, (i) => ({ code: RATE, sender: `s${i % 3}`, at: T0 + i })),
    );
    await engine.apply(otherCallback('State.StateChange', T0));
    const keys = await redis.keys(`${prefix}:*`);
    expect(keys.length).toBeGreaterThan(10);
    const withoutTtl = [];
    for (const key of keys)
      if (key !== rulesKeys(prefix).alerts && (await redis.pttl(key)) < 0) withoutTtl.push(key);
    expect(withoutTtl).toEqual([]);
  });

  it("never lets a category's groups and senders sets expire before the counts hash listing it", async () => {
    // Categories arrive one after another in the same windows; the hash keeps its first TTL.
    await run({ code: MUTED, at: T0 });
    await redis.pexpire(`${prefix}:counts:fine:${APP}:${T0}`, 1000); // as if made long ago
    await run(
      { code: RATE, at: T0 + 1 },
      { code: BLOCKED, sender: 'bob', at: T0 + 2 },
      { code: MUTED, at: T0 + 3 },
    );
    for (const tier of ['fine', 'coarse']) {
      const counts = `${prefix}:counts:${tier}:${APP}:${T0}`;
      // Absolute expiry times: the hash and sets made in one run expire in the same millisecond.
      const expiresAt = (key: string) => redis.call('PEXPIRETIME', key) as Promise<number>;
      const hashExpiry = await expiresAt(counts);
      expect(hashExpiry).toBeGreaterThan(0);
      const categories = await redis.hkeys(counts);
      expect(categories.sort()).toEqual(['content_blocked', 'muted', 'rate_limited']);
      for (const category of categories) {
        for (const set of ['groups', 'senders'])
          expect(
            await expiresAt(`${counts.slice(0, -String(T0).length)}${category}:${T0}:${set}`),
          ).toBeGreaterThanOrEqual(hashExpiry);
      }
    }
  });
});

describe('the apply script', () => {
  it('carries each engine its own rules: two engines on one connection do not share a script', async () => {
    const strict = defaultConfig(`rules:
  - { name: any-rate-limit, kind: threshold, match: { category: [rate_limited] }, groupBy: [app], window: 1m, threshold: 1 }
`);
    const other = createRulesEngine({
      redis,
      prefix: uniquePrefix('rules'),
      rules: strict.rules,
      alerting: strict.alerting,
    });
    const callback = failureCallback({ code: RATE, at: T0 });
    expect((await other.apply(callback)).alerts.map((alert) => alert.rule)).toEqual(['any-rate-limit']);
    expect((await engine.apply(callback)).alerts).toEqual([]);
  });

  it('refuses constants that are not whole numbers instead of writing them into Lua', () => {
    const config = defaultConfig();
    const settings = planSettings(config.alerting);
    const [first, ...rest] = compileRules(config.rules, config.alerting);
    if (!first) throw new Error('the default rules are empty');
    expect(() => applyScript([{ ...first, stateTtlMs: 1.5 }, ...rest], settings)).toThrow(
      /rule muted-sender: not a whole number: 1.5/,
    );
    expect(() => applyScript([first, ...rest], { ...settings, streamMaxLen: -1 })).toThrow(
      /streamMaxLen: not a whole number: -1/,
    );
    expect(() => applyScript([first, ...rest], { ...settings, guardTtlMs: Number.NaN })).toThrow(
      /guardTtlMs: not a whole number/,
    );
    expect(applyScript([first, ...rest], settings)).toContain('local function ruleConstants(i)');
  });
});
