import { CALLBACKS_QUEUE, type CallbackJob, createCallbackQueue, createRedis } from '@imwatch/queue';
import { createLogger } from '@imwatch/runtime';
import { testRedisUrl, uniquePrefix } from '@imwatch/testing';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCallbackWorker } from './callback-worker.js';

const logger = createLogger('worker-test', 'silent');
let connection: Redis;
let prefix: string;
const closers: (() => Promise<unknown>)[] = [];

beforeEach(() => {
  prefix = uniquePrefix('worker');
  connection = createRedis(testRedisUrl(), 'worker');
  closers.push(() => connection.quit());
});
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers.length = 0;
});

const callback = (n: number): CallbackJob => ({
  callbackId: `cb-${n.toString(16).padStart(32, '0')}`,
  appId: '1400000000',
  command: 'Group.CallbackSendMsgException',
  receivedAt: 1,
  body: { CallbackCommand: 'Group.CallbackSendMsgException', Random: n },
});

describe('callback worker', () => {
  it('hands every valid callback to the handler once', async () => {
    const queue = createCallbackQueue(connection, prefix, {
      attempts: 3,
      backoffMs: 10,
      keepCompleted: { count: 10, ageSeconds: 60 },
      keepFailed: { count: 10, ageSeconds: 60 },
    });
    closers.push(() => queue.close());
    const seen: string[] = [];
    const worker = createCallbackWorker({
      connection,
      prefix,
      concurrency: 5,
      logger,
      handle: async (cb) => {
        seen.push(cb.callbackId);
      },
    });
    closers.push(() => worker.close());
    for (let n = 0; n < 20; n++)
      await queue.add(callback(n).command, callback(n), { jobId: callback(n).callbackId });
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(20);
    expect(new Set(seen).size).toBe(20);
  });

  it('fails data that can never be valid at once, without retries', async () => {
    const raw = new Queue(CALLBACKS_QUEUE, { connection, prefix });
    closers.push(() => raw.close());
    const events = new QueueEvents(CALLBACKS_QUEUE, { connection: connection.duplicate(), prefix });
    closers.push(() => events.close());
    await events.waitUntilReady();
    let calls = 0;
    const worker = createCallbackWorker({
      connection,
      prefix,
      concurrency: 1,
      logger,
      handle: async () => {
        calls++;
      },
    });
    closers.push(() => worker.close());
    const job = await raw.add(
      'Group.CallbackSendMsgException',
      { nonsense: true },
      { attempts: 5, backoff: 10 },
    );
    await expect
      .poll(async () => (await raw.getJob(job.id ?? ''))?.finishedOn, { timeout: 10_000 })
      .toBeDefined();
    const failed = await raw.getJob(job.id ?? '');
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toContain('invalid callback job data');
    expect(calls).toBe(0);
  });
});
