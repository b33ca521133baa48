import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sharedDeadline } from './within.js';

/** A promise settled from outside, as a Redis answer that comes when the test says. */
function later<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('sharedDeadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const deadline = (ms: number) => sharedDeadline(ms, () => Date.now());

  it("answers the work's value or error when it settles in time", async () => {
    const inTime = deadline(100);
    const ok = later<string>();
    const bad = later<string>();
    const answers = [inTime(ok.promise), inTime(bad.promise)];
    await vi.advanceTimersByTimeAsync(50);
    ok.resolve('stored');
    bad.reject(new Error('redis said no'));
    await expect(answers[0]).resolves.toBe('stored');
    await expect(answers[1]).rejects.toThrow('redis said no');
  });

  it('times each call out at its own deadline, oldest first, while later calls still wait', async () => {
    const inTime = deadline(100);
    const outcomes: string[] = [];
    const track = (name: string, answer: Promise<unknown>) =>
      answer.then((value) => outcomes.push(`${name}:${String(value)}`));
    const first = later<string>();
    track('first', inTime(first.promise));
    await vi.advanceTimersByTimeAsync(50);
    const second = later<string>();
    track('second', inTime(second.promise));
    const third = later<string>();
    track('third', inTime(third.promise));
    await vi.advanceTimersByTimeAsync(20);
    third.resolve('stored');
    await vi.advanceTimersByTimeAsync(30); // t = 100: the first call's deadline
    expect(outcomes).toEqual(['third:stored', 'first:timeout']);
    await vi.advanceTimersByTimeAsync(49); // t = 149: the second still has 1 ms
    expect(outcomes).toEqual(['third:stored', 'first:timeout']);
    await vi.advanceTimersByTimeAsync(1);
    expect(outcomes).toEqual(['third:stored', 'first:timeout', 'second:timeout']);
    // Late answers change nothing and a late failure is nobody's unhandled rejection.
    first.resolve('late');
    second.reject(new Error('late failure'));
    await vi.advanceTimersByTimeAsync(10);
    expect(outcomes).toHaveLength(3);
  });

  it('keeps one timer for any number of waiting calls, and none once nothing waits', async () => {
    const inTime = deadline(500);
    const works = Array.from({ length: 1000 }, () => later<number>());
    const answers = works.map((work) => inTime(work.promise));
    expect(vi.getTimerCount()).toBe(1);
    for (const [i, work] of works.entries()) work.resolve(i);
    expect(await Promise.all(answers)).toEqual(works.map((_, i) => i));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('still times out a call made after the front ones settled out of order', async () => {
    const inTime = deadline(100);
    const slow = later<string>();
    const quick = later<string>();
    const slowAnswer = inTime(slow.promise);
    const quickAnswer = inTime(quick.promise);
    quick.resolve('stored');
    await expect(quickAnswer).resolves.toBe('stored');
    await vi.advanceTimersByTimeAsync(60);
    const last = later<string>();
    const lastAnswer = inTime(last.promise);
    await vi.advanceTimersByTimeAsync(40);
    await expect(slowAnswer).resolves.toBe('timeout');
    await vi.advanceTimersByTimeAsync(59);
    let settled = false;
    void lastAnswer.then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(lastAnswer).resolves.toBe('timeout');
    expect(vi.getTimerCount()).toBe(0);
  });
});
