import { type CallbackJob, type CallbackQueue, callbackJobOptions } from '@imwatch/queue';
import type { Redis } from 'ioredis';
import type { CallbackEnqueuer } from './enqueuer.js';

export interface BatchingOptions {
  /** A batch is sent at once when it reaches this many callbacks (default 256). */
  maxBatch?: number;
  /**
   * The queue's ioredis connection. When given, a batch goes out as one `queue.add` per callback
   * with the socket corked, so all of them leave in one write; without it, as one `addBulk`.
   */
  connection?: Redis;
}

interface Waiting {
  job: CallbackJob;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Adds callbacks to the queue in batches: every enqueue made while the event loop is busy with
 * the same round of I/O goes out in one write to Redis instead of one per request. The batch is
 * flushed by `setImmediate`, right after the current I/O round, so a lone request waits for
 * nothing. Job ids and deduplication are the same as `queue.add`'s.
 *
 * Why corked `queue.add`s rather than `addBulk`: ioredis builds every pipeline with a method per
 * BullMQ script (~130 properties, ~35 µs), more than a whole request of bare Hono costs; corking
 * the socket gives the same single write without it, and each caller gets its own job's outcome.
 * With `addBulk` (no `connection`), a batch succeeds or fails as a whole.
 */
export function createBatchingEnqueuer(
  queue: CallbackQueue,
  dedupWindowMs: number,
  { maxBatch = 256, connection }: BatchingOptions = {},
): CallbackEnqueuer {
  let waiting: Waiting[] = [];
  let scheduled = false;

  function addCorked(batch: readonly Waiting[], socket: Redis['stream'] | undefined) {
    // The commands are written a few microtasks later (BullMQ awaits its client first); the
    // socket is uncorked after those, on the next check phase, and sends them in one write.
    if (socket) {
      socket.cork();
      setImmediate(() => socket.uncork());
    }
    for (const { job, resolve, reject } of batch) {
      queue
        .add(job.command, job, callbackJobOptions(job.callbackId, dedupWindowMs))
        .then(() => resolve(), reject);
    }
  }

  function addBulk(batch: readonly Waiting[]) {
    // A lone callback is a plain `queue.add`: no pipeline to build.
    if (batch.length === 1) return addCorked(batch, undefined);
    const jobs = batch.map(({ job }) => ({
      name: job.command,
      data: job,
      opts: callbackJobOptions(job.callbackId, dedupWindowMs),
    }));
    queue.addBulk(jobs).then(
      () => {
        for (const entry of batch) entry.resolve();
      },
      (error: unknown) => {
        for (const entry of batch) entry.reject(error);
      },
    );
  }

  function flush() {
    scheduled = false;
    const batch = waiting;
    if (batch.length === 0) return;
    waiting = [];
    const socket = connection?.stream;
    if (socket && connection?.status === 'ready') addCorked(batch, socket);
    else addBulk(batch);
  }

  return {
    enqueue(job) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ job, resolve, reject });
        if (waiting.length >= maxBatch) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
