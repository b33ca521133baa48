import { categorize, sendMsgExceptionSchema } from '@imwatch/protocol';
import { callbackJobSchema } from '@imwatch/queue';
import { describe, expect, it } from 'vitest';
import { mixedCallbacks } from './callbacks.js';
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

describe('spread', () => {
  it('gives the median and range of odd and even counts', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
  });
});
