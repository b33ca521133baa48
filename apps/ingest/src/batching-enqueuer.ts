import type { AddCallbacks, CallbackJob } from '@imwatch/queue';
import type { CallbackEnqueuer } from './enqueuer.js';

export interface BatchingOptions {
  /** A batch is sent at once when it reaches this many callbacks (default 256). */
  maxBatch?: number;
}

interface Caller {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Puts callbacks on the queue in batches: every enqueue made while the event loop is busy with
 * the same round of I/O goes to Redis in one script call (createCallbackAdder) instead of one
 * `queue.add` per request. The batch is flushed by `setImmediate`, right after the current I/O
 * round, so a lone request waits for nothing. A batch succeeds or fails as a whole: on failure
 * every caller is rejected and the spooling enqueuer takes over; a retry of a callback that did
 * reach Redis is a no-op (same job id, deduplication key).
 */
export function createBatchingEnqueuer(
  add: AddCallbacks,
  { maxBatch = 256 }: BatchingOptions = {},
): CallbackEnqueuer {
  let jobs: CallbackJob[] = [];
  let callers: Caller[] = [];
  let scheduled = false;

  function flush() {
    scheduled = false;
    if (jobs.length === 0) return;
    const batch = callers;
    add(jobs).then(
      () => {
        for (const caller of batch) caller.resolve();
      },
      (error: unknown) => {
        for (const caller of batch) caller.reject(error);
      },
    );
    jobs = [];
    callers = [];
  }

  return {
    enqueue(job) {
      return new Promise<void>((resolve, reject) => {
        jobs.push(job);
        callers.push({ resolve, reject });
        if (jobs.length >= maxBatch) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
