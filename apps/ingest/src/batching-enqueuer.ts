import { type CallbackJob, type CallbackQueue, callbackJobOptions } from '@imwatch/queue';
import type { CallbackEnqueuer } from './enqueuer.js';

export interface BatchingOptions {
  /** A batch is sent at once when it reaches this many callbacks (default 256). */
  maxBatch?: number;
}

interface Waiting {
  job: CallbackJob;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Adds callbacks to the queue in batches: every enqueue made while the event loop is busy with
 * the same round of I/O goes out as one `queue.addBulk` (one pipelined write to Redis instead of
 * one per request); a batch of one goes out as a plain `queue.add`. The batch is flushed by `setImmediate`, right after the current I/O round, so
 * a lone request waits for nothing. Job ids and deduplication are the same as `queue.add`'s.
 * A batch succeeds or fails as a whole: when `addBulk` rejects, every caller in it rejects.
 */
export function createBatchingEnqueuer(
  queue: CallbackQueue,
  dedupWindowMs: number,
  { maxBatch = 256 }: BatchingOptions = {},
): CallbackEnqueuer {
  let waiting: Waiting[] = [];
  let scheduled = false;

  function flush() {
    scheduled = false;
    const batch = waiting;
    if (batch.length === 0) return;
    waiting = [];
    const jobs = batch.map(({ job }) => ({
      name: job.command,
      data: job,
      opts: callbackJobOptions(job.callbackId, dedupWindowMs),
    }));
    // A batch of one skips the pipeline: ioredis builds each pipeline with a method per BullMQ
    // script (~120 properties), which costs more than it saves for a single command.
    const [only] = jobs;
    const added =
      jobs.length === 1 && only ? queue.add(only.name, only.data, only.opts) : queue.addBulk(jobs);
    added.then(
      () => {
        for (const entry of batch) entry.resolve();
      },
      (error: unknown) => {
        for (const entry of batch) entry.reject(error);
      },
    );
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
