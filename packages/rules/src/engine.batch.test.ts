import type { Alert } from '@imwatch/queue';
import { testRedisUrl, uniquePrefix } from '@imwatch/testing';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApplyError, createRulesEngine } from './engine.js';
import { rulesKeys } from './keys.js';
import { APP, defaultConfig, failureCallback, MINUTE, otherCallback, T0 } from './rules.test-helpers.js';

const MUTED = 10017;
const RATE = 10023;
const BLOCKED = 80001;

let redis: Redis;
let scriptCalls: number;

beforeEach(() => {
  redis = new Redis(testRedisUrl());
  // Counts the rules script's calls on this connection (the real commands still go to Redis).
  scriptCalls = 0;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    if (command.name === 'evalsha' || command.name === 'eval') scriptCalls++;
    return send(command, stream);
  };
});
afterEach(async () => {
  await redis.quit();
});

function engineOn(prefix: string) {
  const config = defaultConfig();
  return createRulesEngine({ redis, prefix, rules: config.rules, alerting: config.alerting });
}

/** A mix that fires alert and threshold rules, with callbacks of one key next to each other. */
function mixedCallbacks() {
  const callbacks = [];
  for (let i = 0; i < 24; i++) {
    callbacks.push(failureCallback({ code: RATE, group: '@TGS#busy', sender: `s${i % 8}`, at: T0 + i }));
    if (i % 3 === 0) callbacks.push(failureCallback({ code: MUTED, sender: `m${i % 2}`, at: T0 + i }));
    if (i % 4 === 0) callbacks.push(failureCallback({ code: BLOCKED, sender: 'spam', at: T0 + i * MINUTE }));
    if (i % 5 === 0) callbacks.push(otherCallback('C2C.CallbackAfterSendMsg', T0 + i));
  }
  return callbacks;
}

/** Every key under `prefix` with its contents, the prefix cut off; the alerts stream without ids. */
async function stateOf(prefix: string): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = {};
  for (const key of (await redis.keys(`${prefix}:*`)).sort()) {
    const type = await redis.type(key);
    const name = key.slice(prefix.length);
    if (type === 'string') state[name] = await redis.get(key);
    else if (type === 'hash') state[name] = await redis.hgetall(key);
    else if (type === 'zset') state[name] = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'stream') state[name] = (await redis.xrange(key, '-', '+')).map(([, fields]) => fields);
    else state[name] = type;
  }
  return state;
}

describe('callbacks applied in the same turn', () => {
  it('go to Redis in one script call and leave the same state and alerts as one at a time', async () => {
    const callbacks = mixedCallbacks();
    const one = uniquePrefix('rules-one');
    const batched = uniquePrefix('rules-batched');
    const alone = engineOn(one);
    const together = engineOn(batched);

    const aloneResults = [];
    for (const callback of callbacks) aloneResults.push(await alone.apply(callback));
    const callsBefore = scriptCalls;
    const togetherResults = await Promise.all(callbacks.map((callback) => together.apply(callback)));

    // One call for all of them, plus one per threshold rule that asked for its template.
    const asked = aloneResults.filter((r) => r.alerts.some((a: Alert) => a.kind === 'threshold')).length;
    expect(asked).toBeGreaterThan(0);
    expect(scriptCalls - callsBefore).toBeLessThanOrEqual(1 + asked);
    expect(scriptCalls - callsBefore).toBeLessThan(callbacks.length / 4);
    expect(togetherResults).toEqual(aloneResults);
    expect(await stateOf(batched)).toEqual(await stateOf(one));
  });

  it('fires a threshold rule once when its window fills inside one batch', async () => {
    const engine = engineOn(uniquePrefix('rules-fill'));
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        engine.apply(failureCallback({ code: RATE, group: '@TGS#full', sender: `u${i}`, at: T0 + i })),
      ),
    );
    const alerts = results.flatMap((result) => result.alerts);
    expect(alerts.map((a) => [a.rule, a.count])).toEqual([['rate-limited-group', 20]]);
    // The 20th callback of the window is the one that fired.
    expect(results[19]?.alerts).toHaveLength(1);
  });

  it('applies a callback that comes twice in one batch once', async () => {
    const engine = engineOn(uniquePrefix('rules-twice'));
    const callback = failureCallback({ code: MUTED, sender: 'twice', at: T0 });
    const [first, second] = await Promise.all([engine.apply(callback), engine.apply(callback)]);
    expect(first?.fresh).toBe(true);
    expect(second?.fresh).toBe(false);
    expect(second?.alerts).toEqual(first?.alerts);
    expect(first?.alerts).toHaveLength(1);
  });

  it('fails only the callback that fails, and applies the rest of its batch', async () => {
    const prefix = uniquePrefix('rules-poison');
    const engine = engineOn(prefix);
    const poisoned = failureCallback({ code: MUTED, sender: 'poisoned', at: T0 });
    // A key of the wrong type where the callback's guard goes: the script's GET on it fails.
    await redis.hset(rulesKeys(prefix).guard(poisoned.callbackId), 'not', 'a string');
    const before = failureCallback({ code: MUTED, sender: 'before', at: T0 });
    const after = failureCallback({ code: MUTED, sender: 'after', at: T0 });
    const callsBefore = scriptCalls;
    const [a, b, c] = await Promise.allSettled([before, poisoned, after].map((cb) => engine.apply(cb)));
    expect(scriptCalls - callsBefore).toBe(1);
    expect(b?.status).toBe('rejected');
    const reason = b?.status === 'rejected' ? b.reason : undefined;
    expect(reason).toBeInstanceOf(ApplyError);
    expect(String(reason)).toMatch(/WRONGTYPE/);
    expect(String(reason)).toContain(poisoned.callbackId);
    for (const settled of [a, c]) {
      expect(settled?.status).toBe('fulfilled');
      if (settled?.status === 'fulfilled')
        expect(settled.value.alerts.map((x) => x.rule)).toEqual(['muted-sender']);
    }
    const counts = await redis.hgetall(rulesKeys(prefix).counts('fine', APP, T0));
    expect(counts).toEqual({ muted: '2' });
  });
});
