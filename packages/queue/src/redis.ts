import { Redis, type RedisOptions } from 'ioredis';

/**
 * How a connection is used. Workers block and must wait out outages (`maxRetriesPerRequest:
 * null`, as BullMQ requires); producers must fail fast so the caller can fall back (e.g. spool).
 */
export type ConnectionRole = 'worker' | 'producer';

export function redisOptions(role: ConnectionRole): RedisOptions {
  const common: RedisOptions = {
    connectionName: `imwatch-${role}`,
    // Reconnect quickly at first, then every 2 s at most, forever.
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2000),
  };
  if (role === 'worker') return { ...common, maxRetriesPerRequest: null, enableReadyCheck: true };
  return { ...common, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 };
}

/** A Redis connection for a role; the caller must add an `error` listener and close it. */
export function createRedis(url: string, role: ConnectionRole, extra: RedisOptions = {}): Redis {
  return new Redis(url, { ...redisOptions(role), ...extra });
}

/** Resolves once the connection is ready, or rejects after `timeoutMs`. */
export function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis not ready after ${timeoutMs} ms (status: ${redis.status})`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
