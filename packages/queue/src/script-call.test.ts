import { startRedisServer, type TestRedisServer } from '@imwatch/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, whenReady } from './redis.js';
import { scriptCaller } from './script-call.js';

// A Redis of this file's own: SCRIPT FLUSH below must not touch the scripts of other test files.
let server: TestRedisServer;
let redis: Redis;
beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedis(server.url, 'worker');
  redis.on('error', () => {});
  await whenReady(redis, 5000);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.destroy();
});

/** How many EVAL commands this Redis has run (INFO commandstats). */
async function evalCalls(): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

/** Counts its calls in KEYS[1] and answers the count, its KEYS and its ARGV. */
const COUNTING = `
local n = redis.call('INCR', KEYS[1])
return {n, table.concat(KEYS, ','), table.concat(ARGV, ',')}
`;

describe('scriptCaller', () => {
  it('passes keys and arguments in order, numbers as text, and answers text, not Buffers', async () => {
    const call = scriptCaller(redis, COUNTING);
    const reply = await call(['{t}:count', '{t}:other'], ['a', 7, '', 'b']);
    expect(reply).toEqual([1, '{t}:count,{t}:other', 'a,7,,b']);
  });

  it('runs a script Redis has forgotten (SCRIPT FLUSH) exactly once, by EVAL, and by EVALSHA again after', async () => {
    const call = scriptCaller(redis, COUNTING);
    await call(['{t}:flushed'], []);
    await redis.script('FLUSH');
    expect(await call(['{t}:flushed'], ['x'])).toEqual([2, '{t}:flushed', 'x']);
    expect(await redis.get('{t}:flushed')).toBe('2');
    // EVAL cached the script: the next call's EVALSHA finds it.
    const before = await evalCalls();
    expect(await call(['{t}:flushed'], [])).toEqual([3, '{t}:flushed', '']);
    expect(await evalCalls()).toBe(before);
  });

  it('hands on an error the script raised without running it again', async () => {
    const call = scriptCaller(redis, "redis.call('INCR', KEYS[1]); return redis.error_reply('boom')");
    await expect(call(['{t}:failing'], [])).rejects.toThrow('boom');
    expect(await redis.get('{t}:failing')).toBe('1');
  });

  it('carries thousands of arguments in one call', async () => {
    const call = scriptCaller(redis, 'return #ARGV');
    const args = Array.from({ length: 5000 }, (_, i) => (i % 2 ? i : `arg-${i}`));
    expect(await call([], args)).toBe(5000);
  });
});
