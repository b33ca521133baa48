import { describe, expect, it } from 'vitest';
import { sinkBackoffStrategy } from './backoff.js';
import { RetryableDeliveryError } from './errors.js';

const job = (delay: number) => ({ opts: { backoff: { type: 'sink', delay } } });

describe('sink backoff', () => {
  it('doubles from the job delay and takes off up to the jitter share', () => {
    const noJitter = sinkBackoffStrategy({ random: () => 0 });
    expect([1, 2, 3, 4].map((attempt) => noJitter(attempt, 'sink', new Error('x'), job(1000)))).toEqual([
      1000, 2000, 4000, 8000,
    ]);
    const fullJitter = sinkBackoffStrategy({ random: () => 1, jitter: 0.5 });
    expect(fullJitter(3, 'sink', new Error('x'), job(1000))).toBe(2000);
  });

  it("uses the service's Retry-After instead, capped like every delay", () => {
    const strategy = sinkBackoffStrategy({ maxDelayMs: 60_000, random: () => 0 });
    expect(strategy(1, 'sink', new RetryableDeliveryError('429', 7000), job(10))).toBe(7000);
    expect(strategy(1, 'sink', new RetryableDeliveryError('429', 3_600_000), job(10))).toBe(60_000);
    expect(strategy(20, 'sink', new Error('x'), job(1000))).toBe(60_000);
  });
});
