import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CALLBACKS_QUEUE, type CallbackJob } from '@imwatch/queue';
import type { Redis } from 'ioredis';
import { type DrainSetup, POLL_COMMANDS, startWorker, waitDrained } from './drain-bench.js';
import { bodyTemplate, runLoad, startServer } from './http-bench.js';
import { delta, type RedisDelta, snapshot } from './redis-stats.js';
import { MB } from './stats.js';

export interface KeyClass {
  keys: number;
  bytes: number;
  /** Longest remaining time to live seen, ms. */
  maxTtlMs: number;
  /** Keys that never expire. */
  noTtl: number;
  /** Σ bytes × remaining TTL (s) over keys that expire: what the keys cost over their lifetime. */
  byteSeconds: number;
}

/** What the keys left after a drain are for. */
export interface MemoryClasses {
  /** BullMQ deduplication keys of the callbacks queue (`de:<callback id>`), alive for the window. */
  dedup: KeyClass;
  /** Completed callback jobs kept by `queue.keepCompleted`. */
  keptJobs: KeyClass;
  /** The callbacks queue's own structures (events stream, sets, meta). */
  queueStructures: KeyClass;
  /** Other BullMQ queues under the prefix (notifications) and capped streams (alerts, rejections). */
  otherQueuesAndStreams: KeyClass;
  /**
   * Everything else: the worker's guards, counters, rule windows, cooldowns, by the word after
   * the prefix (`<prefix>:guard:…` → `guard`).
   */
  workerState: Record<string, KeyClass>;
}

export interface CostResult {
  callbacks: number;
  ingest: RedisDelta;
  worker: RedisDelta;
  /** used_memory after the drain minus before the ingest, bytes. */
  usedMemoryDelta: number;
  /** Memory by what it is for, after the drain (MEMORY USAGE of every key). */
  memory: MemoryClasses;
  dedupWindowSeconds: number;
}

/**
 * What a class of keys holds at a steady million callbacks a day, MB, from `callbacks` of them;
 * undefined when some of its keys never expire. Keys made as callbacks arrive live for their TTL
 * (all were just made: remaining ≈ full TTL), so the bytes alive are Σ(bytes × TTL) per callback ×
 * callbacks per second: exact for one key per callback (dedup, guards), an upper bound for keys
 * callbacks share (counters, rule windows), which grow with distinct groups and senders instead.
 */
export function mbPerMillionADay(k: KeyClass, callbacks: number): number | undefined {
  if (k.noTtl > 0) return undefined;
  return ((k.byteSeconds / callbacks) * MILLION_A_DAY_PER_SECOND) / MB;
}

/** A million callbacks a day, per second (11.6): the steady rate memory figures are given for. */
export const MILLION_A_DAY_PER_SECOND = 1_000_000 / 86_400;

/** Sums MEMORY USAGE and TTLs of every key under the prefix, by what the key is for. */
export async function memoryByClass(redis: Redis, prefix: string): Promise<MemoryClasses> {
  const queueKey = `${prefix}:${CALLBACKS_QUEUE}:`;
  const empty = (): KeyClass => ({ keys: 0, bytes: 0, maxTtlMs: 0, noTtl: 0, byteSeconds: 0 });
  const classes: MemoryClasses = {
    dedup: empty(),
    keptJobs: empty(),
    queueStructures: empty(),
    otherQueuesAndStreams: empty(),
    workerState: {},
  };
  // BullMQ marks every queue with a `<prefix>:<queue>:meta` hash; their keys are not worker state.
  const otherQueues: string[] = [];
  const classify = (key: string, type: string): KeyClass => {
    if (key.startsWith(queueKey)) {
      const rest = key.slice(queueKey.length);
      if (rest.startsWith('de:')) return classes.dedup;
      if (rest.startsWith('cb-')) return classes.keptJobs;
      return classes.queueStructures;
    }
    if (type === 'stream' || otherQueues.some((queue) => key.startsWith(queue))) {
      return classes.otherQueuesAndStreams;
    }
    const word = key.slice(prefix.length + 1).split(':')[0] ?? '';
    classes.workerState[word] ??= empty();
    return classes.workerState[word];
  };
  const all: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    all.push(...keys);
  } while (cursor !== '0');
  for (const key of all) {
    if (key.endsWith(':meta') && !key.startsWith(queueKey)) otherQueues.push(key.slice(0, -'meta'.length));
  }
  for (let i = 0; i < all.length; i += 1000) {
    const keys = all.slice(i, i + 1000);
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', '0').pttl(key).type(key);
    const replies = (await pipeline.exec()) ?? [];
    keys.forEach((key, j) => {
      const bytes = Number(replies[3 * j]?.[1] ?? 0);
      const ttl = Number(replies[3 * j + 1]?.[1] ?? -1);
      const target = classify(key, String(replies[3 * j + 2]?.[1] ?? ''));
      target.keys++;
      target.bytes += bytes;
      if (ttl < 0) target.noTtl++;
      else {
        target.maxTtlMs = Math.max(target.maxTtlMs, ttl);
        target.byteSeconds += (bytes * ttl) / 1000;
      }
    });
  }
  return classes;
}

/**
 * End to end through the real processes: the mixed callbacks posted to the ingest once each,
 * then drained by the real worker. Counts Redis commands and round trips of each side and the
 * memory left behind once the queue is empty.
 */
export async function measureCost(setup: DrainSetup, jobs: readonly CallbackJob[]): Promise<CostResult> {
  const { redis } = setup;
  const callbacks = jobs.length;
  // The same realistic mix as the drain, each callback posted once, so counters see many groups.
  const bodiesFile = join(setup.workDir, 'cost-bodies.json');
  writeFileSync(bodiesFile, JSON.stringify(jobs.map((job) => JSON.stringify(job.body))));
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
      bodiesFile,
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
    const { polls } = await waitDrained(redis, prefix, callbacks, worker, { intake: true });
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
