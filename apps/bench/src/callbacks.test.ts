import { categorize, sendMsgExceptionSchema } from '@imwatch/protocol';
import { callbackJobSchema } from '@imwatch/queue';
import { describe, expect, it } from 'vitest';
import { benchMix, mixedCallbacks } from './callbacks.js';
import { spread } from './stats.js';

describe('bench callback mix', () => {
  const jobs = mixedCallbacks(2000, {
    appId: '1400000000',
    groups: 50,
    senders: 300,
    now: 1e12,
    spanMs: 60_000,
  });

  it('is valid job data the worker accepts, every callback distinct', () => {
    for (const job of jobs) {
      expect(callbackJobSchema.safeParse(job).success).toBe(true);
      expect(sendMsgExceptionSchema.safeParse(job.body).success).toBe(true);
    }
    expect(new Set(jobs.map((job) => job.callbackId)).size).toBe(2000);
  });

  it('covers every exception kind and many groups and senders', () => {
    const categories = new Set(jobs.map((job) => categorize(Number(job.body.ErrorCode)).category));
    expect([...categories].sort()).toEqual([
      'content_blocked',
      'invalid_request',
      'muted',
      'other',
      'rate_limited',
    ]);
    expect(new Set(jobs.map((job) => job.body.GroupId)).size).toBeGreaterThan(25);
    expect(new Set(jobs.map((job) => job.body.From_Account)).size).toBeGreaterThan(100);
  });

  it('is the same on every run', () => {
    const again = mixedCallbacks(10, {
      appId: '1400000000',
      groups: 50,
      senders: 300,
      now: 1e12,
      spanMs: 60_000,
    });
    expect(again.map((job) => job.callbackId)).toEqual(jobs.slice(0, 10).map((job) => job.callbackId));
  });
});

describe("the bench's mix", () => {
  const HOUR = 3_600_000;
  const hourStart = Date.UTC(2026, 11, 4, 19);
  const windowsOf = (jobs: readonly { body: Record<string, unknown> }[]) =>
    new Set(jobs.map(({ body }) => Math.floor(Number(body.EventTime) / HOUR)));

  it('lies in one coarse window, the one before now, at any time of the hour', () => {
    for (const minutes of [0, 3, 9.99, 30, 59.99]) {
      const now = hourStart + minutes * 60_000;
      const jobs = benchMix(3000, '1400000000', now, HOUR);
      expect([...windowsOf(jobs)]).toEqual([hourStart / HOUR - 1]);
    }
  });

  it('is the same callbacks throughout one window, others in the next', () => {
    const ids = (now: number) => benchMix(50, '1400000000', now, HOUR).map((job) => job.callbackId);
    expect(ids(hourStart + 2 * 60_000)).toEqual(ids(hourStart + 58 * 60_000));
    expect(ids(hourStart + HOUR)).not.toEqual(ids(hourStart));
  });
});

describe('spread', () => {
  it('gives the median and range of odd and even counts', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
  });
});
