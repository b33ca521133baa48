import { type CallbackJob, createBatchStore, type StoreBatch } from '@imwatch/queue';
import type { Redis } from 'ioredis';
import type { CallbackEnqueuer } from './enqueuer.js';

export interface BatchingOptions {
  /** A batch is sent at once when it reaches this many callbacks (default 16). */
  maxBatch?: number;
  /** Batches on their way to Redis at a time before the next one waits for an answer (default 4). */
  maxInFlight?: number;
}

interface Caller {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Stores callbacks in batches, one call of `store` each instead of one `queue.add` per request:
 * group commit. The callbacks of one round of I/O go out together at
 * its end (`setImmediate`), so a lone request waits for nothing; up to `maxInFlight` batches are on
 * their way to Redis at once, and beyond that new callbacks gather until one is answered. Under
 * load fewer, larger writes and script calls carry the same callbacks. One batch in flight made
 * Node and Redis take turns on a 2-core host (20–23% idle); with 4, 16 or 64 the ingest did
 * ×1.1–1.15 the requests per second (BENCHMARKS.md). A full batch (maxBatch) goes out at once,
 * in flight or not, while the rest of the round is still being read: every callback's ack waits
 * for its whole batch's script, so batches of a whole round's callbacks (15 at 50 connections, 31
 * at 100) held the acks, and with them the load, in Redis while Node sat idle. Batches of 16
 * instead of up to 256 kept Node busier (idle 16–18% → 10–14%) for ×1.03–1.16 the requests per
 * second on the AMD host (BENCHMARKS.md).
 *
 * A batch succeeds or fails as a whole: on failure every caller is rejected and the spooling
 * enqueuer takes over; a callback that did reach Redis and is stored again becomes no second
 * callback job (the intake mover's add skips its job id and deduplication key).
 */
export function createBatchingEnqueuer(
  /** createBatchStore as shipped; in tests also an adder straight onto the callbacks queue. */
  add: StoreBatch,
  { maxBatch = 16, maxInFlight = 4 }: BatchingOptions = {},
): CallbackEnqueuer {
  let jobs: CallbackJob[] = [];
  let bodyTexts: (string | undefined)[] = [];
  let callers: Caller[] = [];
  /** A flush at the end of this round of I/O is pending (full batches leave before it). */
  let scheduled = false;
  let inFlight = 0;

  function settled() {
    inFlight--;
    if (jobs.length > 0 && !scheduled) flush();
  }

  function endOfRound() {
    scheduled = false;
    flush();
  }

  function flush() {
    if (jobs.length === 0 || (inFlight >= maxInFlight && jobs.length < maxBatch)) return;
    const batch = callers;
    inFlight++;
    add(jobs, bodyTexts).then(
      () => {
        settled();
        for (const caller of batch) caller.resolve();
      },
      (error: unknown) => {
        settled();
        for (const caller of batch) caller.reject(error);
      },
    );
    jobs = [];
    bodyTexts = [];
    callers = [];
  }

  return {
    enqueue(job, bodyText) {
      return new Promise<void>((resolve, reject) => {
        jobs.push(job);
        bodyTexts.push(bodyText);
        callers.push({ resolve, reject });
        if (jobs.length >= maxBatch) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(endOfRound);
        }
      });
    },
  };
}

/**
 * The ingest's way into Redis as it ships: each batch one entry of the intake list (the worker's
 * intake mover adds its callback jobs; BENCHMARKS.md says what it bought).
 */
export function createShippedEnqueuer(redis: Redis, prefix: string): CallbackEnqueuer {
  return createBatchingEnqueuer(createBatchStore(redis, prefix));
}
