import { SAMPLE_APP_ID, sampleBody } from '@imwatch/testing';
import type { Redis } from 'ioredis';
import type { CallbackJob } from './catalog.js';

export const COMMAND = 'Group.CallbackSendMsgException';

/** The dedup window and callbacks-queue settings the package's tests add jobs with. */
export const WINDOW_MS = 60_000;
export const SETTINGS = {
  attempts: 3,
  backoffMs: 10,
  keepCompleted: { count: 10, ageSeconds: 60 },
  keepFailed: { count: 10, ageSeconds: 60 },
};

/** Callback number `n`: its own id (`cb-` + n in hex) and body (`Random` = n). */
export function testCallback(n: number): CallbackJob {
  return {
    callbackId: `cb-${n.toString(16).padStart(32, '0')}`,
    appId: SAMPLE_APP_ID,
    command: COMMAND,
    platform: 'Web',
    receivedAt: 1_700_000_000_000 + n,
    body: { ...sampleBody('send-msg-exception.seed'), Random: n },
  };
}

/** Every key of a queue with its type, TTL and content, job hashes' timestamps left out. */
export async function queueSnapshot(redis: Redis, prefix: string) {
  const keys = (await redis.keys(`${prefix}:*`)).sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const name = key.slice(prefix.length);
    const type = await redis.type(key);
    const ttl = await redis.pttl(key);
    const ttlClass = ttl < 0 ? ttl : Math.ceil(ttl / 10_000); // both written within the same ~second
    if (type === 'hash') {
      const { timestamp, opts, ...fields } = await redis.hgetall(key);
      out[name] = { type, ttlClass, fields, opts: opts && JSON.parse(opts), hasTimestamp: !!timestamp };
    } else if (type === 'list') out[name] = { type, ttlClass, items: await redis.lrange(key, 0, -1) };
    else if (type === 'zset')
      out[name] = { type, ttlClass, items: await redis.zrange(key, 0, -1, 'WITHSCORES') };
    else if (type === 'string') out[name] = { type, ttlClass, value: await redis.get(key) };
    else out[name] = { type, ttlClass };
  }
  return out;
}
