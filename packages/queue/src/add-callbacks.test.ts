import { testRedisUrl, uniquePrefix } from '@imwatch/testing';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createCallbackAdder, MAX_CALLBACKS_PER_ADD } from './add-callbacks.js';
import { callbackJobOptions, createCallbackQueue } from './callbacks.js';
import { CALLBACKS_QUEUE } from './names.js';
import {
  COMMAND,
  testCallback as callback,
  SETTINGS,
  queueSnapshot as snapshot,
  WINDOW_MS,
} from './queue.test-helpers.js';
import { createRedis, whenReady } from './redis.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  closers.length = 0;
});

async function openQueue(settings = SETTINGS) {
  const prefix = uniquePrefix('add');
  const redis: Redis = createRedis(testRedisUrl(), 'producer');
  await whenReady(redis, 5000);
  const queue = createCallbackQueue(redis, prefix, settings);
  closers.push(() => redis.quit());
  closers.push(async () => {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  });
  return { redis, queue, prefix, add: createCallbackAdder(redis, queue, WINDOW_MS) };
}

describe('createCallbackAdder', () => {
  it('leaves the same keys and job hashes as queue.add with callbackJobOptions', async () => {
    const viaAdd = await openQueue();
    const viaAdder = await openQueue();
    for (const n of [1, 2, 3]) {
      const job = callback(n);
      await viaAdd.queue.add(job.command, job, callbackJobOptions(job.callbackId, WINDOW_MS));
    }
    expect(await viaAdder.add([callback(1), callback(2), callback(3)])).toEqual([true, true, true]);

    const expected = await snapshot(viaAdd.redis, viaAdd.prefix);
    // Left out on purpose (see add-callbacks.lua.ts): the events stream and the auto-id counter.
    delete expected[`:${CALLBACKS_QUEUE}:events`];
    delete expected[`:${CALLBACKS_QUEUE}:id`];
    expect(await snapshot(viaAdder.redis, viaAdder.prefix)).toEqual(expected);
  });

  it('adds a callback once: same id in one call, in a later call, and after its job is gone', async () => {
    // Completed jobs are not kept: only the deduplication key remembers them.
    const { add, queue, prefix } = await openQueue({
      ...SETTINGS,
      keepCompleted: { count: 0, ageSeconds: 0 },
    });
    expect(await add([callback(1), callback(2), callback(1)])).toEqual([true, true, false]);
    expect(await add([callback(2), callback(3)])).toEqual([false, true]);
    const worker = new Worker(CALLBACKS_QUEUE, async () => {}, {
      connection: createRedis(testRedisUrl(), 'worker'),
      prefix,
    });
    closers.push(() => worker.close());
    await expect.poll(() => queue.getJobCountByTypes('waiting', 'active'), { timeout: 10_000 }).toBe(0);
    expect(await queue.getJob(callback(2).callbackId)).toBeUndefined();
    expect(await add([callback(1), callback(2), callback(3), callback(4)])).toEqual([
      false,
      false,
      false,
      true,
    ]);
  });

  it('gives BullMQ workers the job as queue.add would: name, data, attempts and backoff', async () => {
    const { add, queue, prefix } = await openQueue();
    const seen: { id?: string; name: string; data: unknown; attempt: number }[] = [];
    const worker = new Worker(
      CALLBACKS_QUEUE,
      async (job) => {
        seen.push({ id: job.id, name: job.name, data: job.data, attempt: job.attemptsMade });
        if (job.attemptsMade === 0 && job.id === callback(2).callbackId) throw new Error('first try fails');
      },
      { connection: createRedis(testRedisUrl(), 'worker'), prefix },
    );
    closers.push(() => worker.close());
    await add([callback(1), callback(2)]);
    await expect.poll(() => queue.getJobCountByTypes('completed'), { timeout: 10_000 }).toBe(2);
    expect(seen.filter((s) => s.id === callback(1).callbackId)).toEqual([
      { id: callback(1).callbackId, name: COMMAND, data: callback(1), attempt: 0 },
    ]);
    // attempts: 3 and the backoff came from the stored options: the failed first try was retried.
    expect(seen.filter((s) => s.id === callback(2).callbackId).map((s) => s.attempt)).toEqual([0, 1]);
  });

  it("stores a body's text as it arrived when given one, and workers get the same job", async () => {
    const { add, queue, prefix, redis } = await openQueue();
    const sent = callback(1);
    // Spacing and key order as a sender might have them; parsed, the same body.
    const text = `{ "Random": 1,\n  ${Object.entries(sent.body)
      .filter(([key]) => key !== 'Random')
      .reverse()
      .map(([key, value]) => `${JSON.stringify(key)} : ${JSON.stringify(value)}`)
      .join(' ,\n  ')} }`;
    expect(JSON.parse(text)).toEqual(sent.body);
    expect(await add([sent, callback(2)], [text, undefined])).toEqual([true, true]);

    const data = await redis.hget(`${prefix}:${CALLBACKS_QUEUE}:${sent.callbackId}`, 'data');
    expect(data?.endsWith(`"body":${text}}`)).toBe(true);
    expect(JSON.parse(data ?? '')).toEqual(sent);
    // Without a text the body is written as JSON.stringify writes it.
    expect(await redis.hget(`${prefix}:${CALLBACKS_QUEUE}:${callback(2).callbackId}`, 'data')).toBe(
      JSON.stringify(callback(2)),
    );
    const seen: unknown[] = [];
    const worker = new Worker(CALLBACKS_QUEUE, async (job) => void seen.push(job.data), {
      connection: createRedis(testRedisUrl(), 'worker'),
      prefix,
    });
    closers.push(() => worker.close());
    await expect.poll(() => queue.getJobCountByTypes('completed'), { timeout: 10_000 }).toBe(2);
    expect(seen).toContainEqual(sent);
    expect(seen).toContainEqual(callback(2));
  });

  it('leaves a paused queue paused: jobs wait, and run after resume', async () => {
    const { add, queue, prefix, redis } = await openQueue();
    await queue.pause();
    await add([callback(1)]);
    expect(await redis.zcard(`${prefix}:${CALLBACKS_QUEUE}:marker`)).toBe(0);
    await queue.resume();
    const done: string[] = [];
    const worker = new Worker(CALLBACKS_QUEUE, async (job) => void done.push(job.id ?? ''), {
      connection: createRedis(testRedisUrl(), 'worker'),
      prefix,
    });
    closers.push(() => worker.close());
    await expect.poll(() => done, { timeout: 10_000 }).toEqual([callback(1).callbackId]);
  });

  it('refuses a job whose id is not a callback id, and adds none of its batch', async () => {
    const { add, queue } = await openQueue();
    const forged = { ...callback(2), callbackId: 'cb-1","attempts":99,"x":"' };
    await expect(add([callback(1), forged])).rejects.toThrow(/not a callback id/);
    expect(await queue.getJobCountByTypes('waiting')).toBe(0);
  });

  it('refuses more than MAX_CALLBACKS_PER_ADD callbacks in one call, and adds nothing', async () => {
    const { add, queue } = await openQueue();
    const many = Array.from({ length: MAX_CALLBACKS_PER_ADD + 1 }, (_, n) => callback(n));
    await expect(add(many)).rejects.toThrow(/at most 1000/);
    expect(await queue.getJobCountByTypes('waiting')).toBe(0);
    expect(await add(many.slice(0, MAX_CALLBACKS_PER_ADD))).toHaveLength(MAX_CALLBACKS_PER_ADD);
    expect(await queue.getJobCountByTypes('waiting')).toBe(MAX_CALLBACKS_PER_ADD);
  });
});
