import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { redactUrl } from './logger.js';

/** Socket errors that mean "Redis is unreachable", even when they arrive before ioredis notices. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export interface RedisOutageOptions {
  /** The connection URL, logged redacted. */
  url: string;
  /** Clock, injectable so a test can tell the outage's length. */
  now?: () => number;
}

/**
 * Logs a Redis outage once instead of once per reconnect attempt and per listener: the first
 * connection error at warn, the rest at debug, then one info "redis connection restored" with the
 * outage's length when `redis` is ready again. Returns the error listener for the other emitters
 * sharing the connection (a BullMQ Queue forwards every connection error again).
 */
export function watchRedisOutages(
  redis: Redis,
  logger: Logger,
  { url, now = Date.now }: RedisOutageOptions,
): (error: Error, source?: string) => void {
  const where = redactUrl(url);
  let outageSince: number | undefined;

  const onError = (error: Error, source: string, own: boolean) => {
    const code = (error as NodeJS.ErrnoException).code;
    // Only `redis`'s own errors may start an outage while it looks ready (a reset socket is
    // reported before ioredis notices): another connection's outage would never see `redis`
    // become ready again to end it.
    const connectionLost =
      redis.status !== 'ready' || (own && code !== undefined && CONNECTION_CODES.has(code));
    if (outageSince !== undefined) {
      logger.debug({ err: error.message, source }, 'redis still unreachable');
    } else if (connectionLost) {
      outageSince = now();
      logger.warn(
        { err: error.message, source, redis: where },
        'redis connection error; retrying quietly until it is back',
      );
    } else {
      // Not an outage of `redis` (nothing would end it with a 'ready'), so never silenced.
      logger.warn({ err: error.message, source, redis: where }, 'redis error');
    }
  };

  redis.on('error', (error: Error) => onError(error, 'redis', true));
  redis.on('ready', () => {
    if (outageSince === undefined) return;
    logger.info({ outageMs: now() - outageSince, redis: where }, 'redis connection restored');
    outageSince = undefined;
  });
  return (error, source = 'other') => onError(error, source, false);
}
