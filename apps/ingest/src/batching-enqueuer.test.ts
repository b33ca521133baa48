import { callbackId } from '@imwatch/protocol';
import {
  type AddCallbacks,
  CALLBACKS_QUEUE,
  type CallbackJob,
  createCallbackAdder,
  createCallbackQueue,
  createRedis,
  whenReady,
} from '@imwatch/queue';
import { SAMPLE_APP_ID, sampleBody, startRedisServer, testRedisUrl, uniquePrefix } from '@imwatch/testing';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createBatchingEnqueuer } from './batching-enqueuer.js';
import { createTestIngest } from './ingest.test-helpers.js';

const COMMAND = 'Group.CallbackSendMsgException';
const WINDOW_MS = 60_000;
const SETTINGS = {
  attempts: 3,
  backoffMs: 10,
  keepCompleted: { count: 10, ageSeconds: 60 },
  keepFailed: { count: 10, ageSeconds: 60 },
};

/** A distinct callback per `n`, with the id computed here the way the ingest does. */
function callback(n: number): CallbackJob {
  const body = { ...sampleBody('send-msg-exception.seed'), Random: n };
  return {
    callbackId: callbackId(SAMPLE_APP_ID, COMMAND, body),
    appId: SAMPLE_APP_ID,
    command: COMMAND,
    receivedAt: 1_700_000_000_000 + n,
    body,
  };
}

/** The real adder, recording the size of every call, to see the grouping. */
function countingAdder(add: AddCallbacks) {
  const sizes: number[] = [];
  const counted: AddCallbacks = (jobs) => {
    sizes.push(jobs.length);
    return add(jobs);
  };
  return { sizes, add: counted };
}

/**
 * The real adder, recording the size of every call; the calls `hold` picks hang in flight until
 * `release()`, to see what gathers behind them.
 */
function gatedAdder(add: AddCallbacks, hold: (call: number) => boolean) {
  const sizes: number[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const gated: AddCallbacks = async (jobs) => {
    sizes.push(jobs.length);
    if (hold(sizes.length)) await gate;
    return add(jobs);
  };
  return { sizes, add: gated, release: () => release() };
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  closers.length = 0;
});

async function openQueue(url = testRedisUrl()) {
  const prefix = uniquePrefix('batch');
  const redis: Redis = createRedis(url, 'producer');
  redis.on('error', () => {});
  await whenReady(redis, 5000);
  const queue = createCallbackQueue(redis, prefix, SETTINGS);
  queue.on('error', () => {});
  closers.push(() => redis.quit());
  closers.push(async () => {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  });
  return { redis, queue, prefix, add: createCallbackAdder(redis, queue, WINDOW_MS) };
}

describe('batching enqueuer', () => {
  it('stores each callback as one job under its callback id, with its data', async () => {
    const { queue, add } = await openQueue();
    const enqueuer = createBatchingEnqueuer(add);
    await Promise.all([0, 1, 2].map((n) => enqueuer.enqueue(callback(n))));
    const jobs = await queue.getJobs(['waiting']);
    expect(jobs.map((job) => job.id).sort()).toEqual([0, 1, 2].map((n) => callback(n).callbackId).sort());
    const job = jobs.find((j) => j.id === callback(1).callbackId);
    expect(job?.name).toBe(COMMAND);
    expect(job?.data).toEqual(callback(1));
  });

  it('enqueues the same callback once, inside one batch and across batches', async () => {
    const { queue, redis, prefix, add } = await openQueue();
    const enqueuer = createBatchingEnqueuer(add);
    await Promise.all([enqueuer.enqueue(callback(7)), enqueuer.enqueue(callback(7))]);
    await enqueuer.enqueue(callback(7));
    expect(await queue.getJobCountByTypes('waiting', 'active', 'completed')).toBe(1);
    const ttl = await redis.pttl(`${prefix}:${CALLBACKS_QUEUE}:de:${callback(7).callbackId}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
  });

  it('groups concurrent enqueues into batches no larger than maxBatch', async () => {
    const { queue, add } = await openQueue();
    const counting = countingAdder(add);
    const sizes = counting.sizes;
    const enqueuer = createBatchingEnqueuer(counting.add, { maxBatch: 64 });
    await Promise.all(Array.from({ length: 1000 }, (_, n) => enqueuer.enqueue(callback(n))));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(sizes.every((size) => size <= 64)).toBe(true);
    expect(sizes.length).toBe(Math.ceil(1000 / 64));
    expect(await queue.getJobCountByTypes('waiting')).toBe(1000);
  });

  it('sends a lone callback without waiting for company', async () => {
    const { add } = await openQueue();
    const counting = countingAdder(add);
    const sizes = counting.sizes;
    const enqueuer = createBatchingEnqueuer(counting.add);
    await enqueuer.enqueue(callback(1));
    await enqueuer.enqueue(callback(2));
    expect(sizes).toEqual([1, 1]);
  });

  it('gathers callbacks while maxInFlight batches are in flight and sends them together when one is answered', async () => {
    const { add, queue } = await openQueue();
    // The first batch hangs in flight until released.
    const { sizes, add: gated, release } = gatedAdder(add, (call) => call === 1);
    const enqueuer = createBatchingEnqueuer(gated, { maxInFlight: 1 });
    const first = enqueuer.enqueue(callback(0));
    const later: Promise<void>[] = [];
    for (let n = 1; n <= 10; n++) {
      await new Promise((resolve) => setImmediate(resolve)); // each in its own round of I/O
      later.push(enqueuer.enqueue(callback(n)));
    }
    expect(sizes).toEqual([1]);
    release();
    await Promise.all([first, ...later]);
    expect(sizes).toEqual([1, 10]);
    expect(await queue.getJobCountByTypes('waiting')).toBe(11);
  });

  it('by default keeps up to 4 batches in flight: each round of I/O goes out at its end until then', async () => {
    const { add, queue } = await openQueue();
    // Every batch hangs in flight until released.
    const { sizes, add: gated, release } = gatedAdder(add, () => true);
    const enqueuer = createBatchingEnqueuer(gated);
    const pending: Promise<void>[] = [];
    for (let round = 0; round < 6; round++) {
      // Two callbacks per round of I/O.
      pending.push(enqueuer.enqueue(callback(2 * round)), enqueuer.enqueue(callback(2 * round + 1)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Rounds 1–4 each went out on their own; rounds 5 and 6 wait for a free slot.
    expect(sizes).toEqual([2, 2, 2, 2]);
    release();
    await Promise.all(pending);
    expect(sizes).toEqual([2, 2, 2, 2, 4]);
    expect(await queue.getJobCountByTypes('waiting')).toBe(12);
  });

  it('by default sends a batch as soon as it holds 16 callbacks, before the round of I/O ends', async () => {
    const { add, queue } = await openQueue();
    // Every batch hangs in flight until released: full batches go out even beyond maxInFlight.
    const { sizes, add: gated, release } = gatedAdder(add, () => true);
    const enqueuer = createBatchingEnqueuer(gated);
    const pending = Array.from({ length: 100 }, (_, n) => enqueuer.enqueue(callback(n)));
    // Six full batches left during the round itself, in flight at once; the last 4 wait for a free slot.
    expect(sizes).toEqual([16, 16, 16, 16, 16, 16]);
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await Promise.all(pending);
    expect(sizes).toEqual([16, 16, 16, 16, 16, 16, 4]);
    expect(await queue.getJobCountByTypes('waiting')).toBe(100);
  });

  it('rejects every caller of a failed batch, and a retry after the outage stores each once', async () => {
    const server = await startRedisServer();
    closers.push(() => server.destroy());
    const { queue, redis, add } = await openQueue(server.url);
    const enqueuer = createBatchingEnqueuer(add);
    await server.stop();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, n) => enqueuer.enqueue(callback(n))),
    );
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(50);

    await server.restart();
    await whenReady(redis, 10_000);
    // Tencent retries what was not acked; a callback that did get in must not be stored twice.
    await Promise.all(Array.from({ length: 50 }, (_, n) => enqueuer.enqueue(callback(n))));
    await Promise.all(Array.from({ length: 50 }, (_, n) => enqueuer.enqueue(callback(n))));
    const ids = (await queue.getJobs(['waiting'])).map((job) => job.id).sort();
    expect(ids).toEqual(Array.from({ length: 50 }, (_, n) => callback(n).callbackId).sort());
  });

  it('serves the ingest route: 1,000 concurrent posts become 1,000 jobs', async () => {
    const ingest = await createTestIngest({
      enqueuer: (queue, redis) =>
        createBatchingEnqueuer(createCallbackAdder(redis, queue, WINDOW_MS), { maxBatch: 100 }),
    });
    closers.push(() => ingest.close());
    const base = sampleBody('send-msg-exception.seed');
    const query = new URLSearchParams({ SdkAppid: SAMPLE_APP_ID, CallbackCommand: COMMAND }).toString();
    const responses = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => ingest.post(query, JSON.stringify({ ...base, Random: i }))),
    );
    expect(responses.every((res) => res.status === 200)).toBe(true);
    // The same posts again are all duplicates.
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) => ingest.post(query, JSON.stringify({ ...base, Random: i }))),
    );
    await ingest.moved();
    expect(await ingest.queue.getJobCountByTypes('waiting')).toBe(1000);
  });
});

describe('batching enqueuer on a real Redis connection', () => {
  it('stores each callback once, its data intact, however many times it is sent', async () => {
    const { queue, add } = await openQueue();
    const enqueuer = createBatchingEnqueuer(add);
    await Promise.all(Array.from({ length: 300 }, (_, n) => enqueuer.enqueue(callback(n % 200))));
    await enqueuer.enqueue(callback(5));
    const jobs = await queue.getJobs(['waiting']);
    expect(jobs.map((job) => job.id).sort()).toEqual(
      Array.from({ length: 200 }, (_, n) => callback(n).callbackId).sort(),
    );
    expect(jobs.find((job) => job.id === callback(7).callbackId)?.data).toEqual(callback(7));
  });

  it('sends a batch in far fewer socket reads and commands than callbacks', async () => {
    const server = await startRedisServer();
    closers.push(() => server.destroy());
    const { queue, redis, add } = await openQueue(server.url);
    const enqueuer = createBatchingEnqueuer(add);
    await enqueuer.enqueue(callback(100_000)); // the script is loaded on first use
    const reads = async () => Number(/total_reads_processed:(\d+)/.exec(await redis.info('stats'))?.[1]);
    const scriptCalls = async () => {
      const stats = await redis.info('commandstats');
      const calls = (name: string) =>
        Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
      return calls('evalsha') + calls('eval');
    };
    const [readsBefore, callsBefore] = [await reads(), await scriptCalls()];
    await Promise.all(Array.from({ length: 500 }, (_, n) => enqueuer.enqueue(callback(n))));
    // ~1 KB per callback, Redis reads up to 16 KB at a time: one or two reads per call of 16 jobs.
    expect((await reads()) - readsBefore).toBeLessThan(100);
    // By default at most 16 per batch: 32 script calls for 500 callbacks, not one per callback.
    expect((await scriptCalls()) - callsBefore).toBe(Math.ceil(500 / 16));
    expect(await queue.getJobCountByTypes('waiting')).toBe(501);
  });
});
