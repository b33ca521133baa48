import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CallbackJob } from './catalog.js';
import { CALLBACKS_QUEUE } from './names.js';

export interface CallbackQueueSettings {
  attempts: number;
  backoffMs: number;
  keepCompleted: { count: number; ageSeconds: number };
  keepFailed: { count: number; ageSeconds: number };
}

/** The callbacks queue, typed by its catalog: any command name, CallbackJob data. */
export type CallbackQueue = Queue<CallbackJob, void, string>;

export function createCallbackQueue(
  connection: Redis,
  prefix: string,
  settings: CallbackQueueSettings,
): CallbackQueue {
  return new Queue<CallbackJob, void, string>(CALLBACKS_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: settings.attempts,
      backoff: { type: 'exponential', delay: settings.backoffMs, jitter: 0.5 },
      removeOnComplete: { count: settings.keepCompleted.count, age: settings.keepCompleted.ageSeconds },
      removeOnFail: { count: settings.keepFailed.count, age: settings.keepFailed.ageSeconds },
    },
  });
}

/**
 * Options that make a callback idempotent at the queue: the job id is the callback id, and
 * BullMQ's deduplication key keeps a repeat out for `dedupWindowMs` even after the job is gone.
 */
export function callbackJobOptions(callbackId: string, dedupWindowMs: number): JobsOptions {
  return { jobId: callbackId, deduplication: { id: callbackId, ttl: dedupWindowMs } };
}
