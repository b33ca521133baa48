import { type CallbackJob, type CallbackQueue, callbackJobOptions } from '@imwatch/queue';

/**
 * Where an accepted callback goes before it is acknowledged. `enqueue` resolves only once the
 * callback is durable; a rejection means it is not, and the ingest must not ack.
 */
export interface CallbackEnqueuer {
  /** `bodyText`: the text `job.body` was parsed from, when the caller has it (callbackJobJson). */
  enqueue(job: CallbackJob, bodyText?: string): Promise<void>;
}

/** Adds each callback to the BullMQ queue, deduplicated by its callback id. */
export function createQueueEnqueuer(queue: CallbackQueue, dedupWindowMs: number): CallbackEnqueuer {
  return {
    async enqueue(job) {
      await queue.add(job.command, job, callbackJobOptions(job.callbackId, dedupWindowMs));
    },
  };
}
