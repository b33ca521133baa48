import { CALLBACKS_QUEUE } from '@imwatch/queue';
import type { Redis } from 'ioredis';
import { type DrainSetup, POLL_COMMANDS, startWorker, waitDrained } from './drain-bench.js';
import { bodyTemplate, runLoad, startServer } from './http-bench.js';
import { delta, type RedisDelta, snapshot } from './redis-stats.js';

export interface KeyClass {
  keys: number;
  bytes: number;
  /** Longest remaining time to live seen, ms; -1 when a key never expires. */
  maxTtlMs: number;
}

export interface CostResult {
  callbacks: number;
  ingest: RedisDelta;
  worker: RedisDelta;
  /** used_memory after the drain minus before the ingest, bytes. */
  usedMemoryDelta: number;
  /** Memory by what it is for, after the drain (MEMORY USAGE of every key). */
  memory: { dedup: KeyClass; keptJobs: KeyClass; queueStructures: KeyClass; imwatchState: KeyClass };
  dedupWindowSeconds: number;
}

/** Sums MEMORY USAGE and the longest TTL of every key under the prefix, by what the key is for. */
async function memoryByClass(redis: Redis, prefix: string) {
  const queueKey = `${prefix}:${CALLBACKS_QUEUE}:`;
  const empty = (): KeyClass => ({ keys: 0, bytes: 0, maxTtlMs: 0 });
  const classes = { dedup: empty(), keptJobs: empty(), queueStructures: empty(), imwatchState: empty() };
  const classify = (key: string): keyof typeof classes => {
    if (!key.startsWith(queueKey)) return 'imwatchState';
    const rest = key.slice(queueKey.length);
    if (rest.startsWith('de:')) return 'dedup';
    if (rest.startsWith('cb-')) return 'keptJobs';
    return 'queueStructures';
  };
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', '0').pttl(key);
    const replies = (await pipeline.exec()) ?? [];
    keys.forEach((key, i) => {
      const bytes = Number(replies[2 * i]?.[1] ?? 0);
      const ttl = Number(replies[2 * i + 1]?.[1] ?? -1);
      const target = classes[classify(key)];
      target.keys++;
      target.bytes += bytes;
      target.maxTtlMs = target.maxTtlMs === -1 || ttl === -1 ? -1 : Math.max(target.maxTtlMs, ttl);
    });
  } while (cursor !== '0');
  return classes;
}

/**
 * End to end through the real processes: `callbacks` distinct callbacks posted to the ingest,
 * then drained by the real worker. Counts Redis commands and round trips of each side and the
 * memory left behind once the queue is empty.
 */
export async function measureCost(setup: DrainSetup, callbacks: number): Promise<CostResult> {
  const { redis } = setup;
  const prefix = '{bench-cost}';
  await redis.flushall();
  const base = await snapshot(redis);
  const { child: ingest, url } = await startServer(
    'imwatch',
    { ...setup, durationSeconds: 0, warmupSeconds: 0 },
    prefix,
  );
  let ingestDelta: RedisDelta;
  try {
    const before = await snapshot(redis);
    const load = await runLoad({
      url,
      connections: 50,
      duration: 0,
      amount: callbacks,
      bodyTemplate: bodyTemplate(),
      firstRandom: 1,
    });
    const after = await snapshot(redis);
    if (load.non2xx > 0 || load.errors > 0) {
      throw new Error(`ingest refused ${load.non2xx} and failed ${load.errors} of ${callbacks} posts`);
    }
    ingestDelta = delta(before, after, new Map(), 0);
  } finally {
    await ingest.stop();
  }

  const worker = startWorker('imwatch-worker', setup, prefix);
  let workerDelta: RedisDelta;
  try {
    const before = await snapshot(redis);
    const { polls } = await waitDrained(redis, prefix, callbacks, worker);
    // Let the last completions land before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await snapshot(redis);
    const own = new Map([...POLL_COMMANDS].map(([name, n]) => [name, n * polls]));
    workerDelta = delta(before, after, own, polls);
  } finally {
    await worker.stop();
  }
  const end = await snapshot(redis);
  return {
    callbacks,
    ingest: ingestDelta,
    worker: workerDelta,
    usedMemoryDelta: end.usedMemory - base.usedMemory,
    memory: await memoryByClass(redis, prefix),
    dedupWindowSeconds: setup.config.ingest.dedupWindowSeconds,
  };
}
