import { RetryableDeliveryError } from './errors.js';

export interface BackoffOptions {
  /** Longest wait between two attempts, Retry-After included (default 10 minutes). */
  maxDelayMs?: number;
  /** Random share taken off each exponential delay, so retries of many jobs spread out. */
  jitter?: number;
  random?: () => number;
}

/**
 * BullMQ backoff strategy for notification jobs: the service's Retry-After when it sent one,
 * else `delay · 2^(attempt-1)` minus up to `jitter` of it, both capped at `maxDelayMs`.
 */
export function sinkBackoffStrategy({
  maxDelayMs = 600_000,
  jitter = 0.5,
  random = Math.random,
}: BackoffOptions = {}) {
  return (
    attemptsMade: number,
    _type?: string,
    error?: Error,
    job?: { opts: { backoff?: unknown } },
  ): number => {
    if (error instanceof RetryableDeliveryError && error.retryAfterMs !== undefined)
      return Math.min(Math.max(0, error.retryAfterMs), maxDelayMs);
    const backoff = job?.opts.backoff;
    const base =
      typeof backoff === 'object' &&
      backoff !== null &&
      'delay' in backoff &&
      typeof backoff.delay === 'number'
        ? backoff.delay
        : 1000;
    const exponential = Math.min(base * 2 ** Math.max(0, attemptsMade - 1), maxDelayMs);
    return Math.round(exponential * (1 - jitter * random()));
  };
}
