import { callbackId } from '@imwatch/protocol';
import {
  CALLBACKS_QUEUE,
  type CallbackJob,
  type CallbackQueue,
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

/** A real queue that also records its `add` (size 1) and `addBulk` calls, to see the grouping. */
function countingQueue(queue: CallbackQueue) {
  const sizes: number[] = [];
  const addBulk = queue.addBulk.bind(queue);
  const add = queue.add.bind(queue);
  queue.addBulk = (jobs) => {
    sizes.push(jobs.length);
    return addBulk(jobs);
  };
  queue.add = (name, data, opts) => {
    sizes.push(1);
    return add(name, data, opts);
  };
  return sizes;
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
  return { redis, queue, prefix };
}

describe('batching enqueuer', () => {
  it('stores each callback as one job under its callback id, with its data', async () => {
    const { queue } = await openQueue();
    const enqueuer = createBatchingEnqueuer(queue, WINDOW_MS);
    await Promise.all([0, 1, 2].map((n) => enqueuer.enqueue(callback(n))));
    const jobs = await queue.getJobs(['waiting']);
    expect(jobs.map((job) => job.id).sort()).toEqual([0, 1, 2].map((n) => callback(n).callbackId).sort());
    const job = jobs.find((j) => j.id === callback(1).callbackId);
    expect(job?.name).toBe(COMMAND);
    expect(job?.data).toEqual(callback(1));
  });

  it('enqueues the same callback once, inside one batch and across batches', async () => {
    const { queue, redis, prefix } = await openQueue();
    const enqueuer = createBatchingEnqueuer(queue, WINDOW_MS);
    await Promise.all([enqueuer.enqueue(callback(7)), enqueuer.enqueue(callback(7))]);
    await enqueuer.enqueue(callback(7));
    expect(await queue.getJobCountByTypes('waiting', 'active', 'completed')).toBe(1);
    const ttl = await redis.pttl(`${prefix}:${CALLBACKS_QUEUE}:de:${callback(7).callbackId}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
  });

  it('groups concurrent enqueues into batches no larger than maxBatch', async () => {
    const { queue } = await openQueue();
    const sizes = countingQueue(queue);
    const enqueuer = createBatchingEnqueuer(queue, WINDOW_MS, { maxBatch: 64 });
    await Promise.all(Array.from({ length: 1000 }, (_, n) => enqueuer.enqueue(callback(n))));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(sizes.every((size) => size <= 64)).toBe(true);
    expect(sizes.length).toBe(Math.ceil(1000 / 64));
    expect(await queue.getJobCountByTypes('waiting')).toBe(1000);
  });

  it('sends a lone callback without waiting for company', async () => {
    const { queue } = await openQueue();
    const sizes = countingQueue(queue);
    const enqueuer = createBatchingEnqueuer(queue, WINDOW_MS);
    await enqueuer.enqueue(callback(1));
    await enqueuer.enqueue(callback(2));
    expect(sizes).toEqual([1, 1]);
  });

  it('rejects every caller of a failed batch, and a retry after the outage stores each once', async () => {
    const server = await startRedisServer();
    closers.push(() => server.destroy());
    const { queue, redis } = await openQueue(server.url);
    const enqueuer = createBatchingEnqueuer(queue, WINDOW_MS);
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
      enqueuer: (queue) => createBatchingEnqueuer(queue, WINDOW_MS, { maxBatch: 100 }),
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
    expect(await ingest.queue.getJobCountByTypes('waiting')).toBe(1000);
  });
});

describe('batching enqueuer with the connection corked', () => {
  it('stores each callback once, its data intact, however many times it is sent', async () => {
    const { queue, redis } = await openQueue();
    const enqueuer = createBatchingEnqueuer(queue, WINDOW_MS, { connection: redis });
    await Promise.all(Array.from({ length: 300 }, (_, n) => enqueuer.enqueue(callback(n % 200))));
    await enqueuer.enqueue(callback(5));
    const jobs = await queue.getJobs(['waiting']);
    expect(jobs.map((job) => job.id).sort()).toEqual(
      Array.from({ length: 200 }, (_, n) => callback(n).callbackId).sort(),
    );
    expect(jobs.find((job) => job.id === callback(7).callbackId)?.data).toEqual(callback(7));
  });

  it('sends a batch in far fewer socket writes than callbacks', async () => {
    const server = await startRedisServer();
    closers.push(() => server.destroy());
    const { queue, redis } = await openQueue(server.url);
    const enqueuer = createBatchingEnqueuer(queue, WINDOW_MS, { connection: redis });
    await enqueuer.enqueue(callback(100_000)); // BullMQ loads its scripts on first use
    const reads = async () => Number(/total_reads_processed:(\d+)/.exec(await redis.info('stats'))?.[1]);
    const before = await reads();
    await Promise.all(Array.from({ length: 500 }, (_, n) => enqueuer.enqueue(callback(n))));
    // ~1.3 KB per job, Redis reads up to 16 KB at a time: ~40 reads for one write of 500 jobs.
    expect((await reads()) - before).toBeLessThan(100);
    expect(await queue.getJobCountByTypes('waiting')).toBe(501);
  });

  it('rejects every caller while Redis is down, and a retry after it stores each once', async () => {
    const server = await startRedisServer();
    closers.push(() => server.destroy());
    const { queue, redis } = await openQueue(server.url);
    const enqueuer = createBatchingEnqueuer(queue, WINDOW_MS, { connection: redis });
    await enqueuer.enqueue(callback(0));
    await server.stop();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, n) => enqueuer.enqueue(callback(n + 1))),
    );
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(50);
    await server.restart();
    await whenReady(redis, 10_000);
    await Promise.all(Array.from({ length: 51 }, (_, n) => enqueuer.enqueue(callback(n))));
    const ids = (await queue.getJobs(['waiting'])).map((job) => job.id).sort();
    expect(ids).toEqual(Array.from({ length: 51 }, (_, n) => callback(n).callbackId).sort());
  });
});
