import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Alert } from './alert.js';
import type { DeliverJob, DigestJob } from './catalog.js';
import { DELIVER_JOB, type DIGEST_JOB, NOTIFICATIONS_QUEUE, SINK_BACKOFF } from './names.js';

/** The notifications queue, typed by its catalog. */
export type NotificationQueue = Queue<
  DeliverJob | DigestJob,
  unknown,
  typeof DELIVER_JOB | typeof DIGEST_JOB
>;

export interface NotificationQueueOptions {
  /** Attempts per delivery before it stays in the failed set (default 10). */
  attempts?: number;
  /** First retry delay, doubled each attempt with jitter (default 2000 ms). */
  backoffMs?: number;
}

export function createNotificationQueue(
  connection: Redis,
  prefix: string,
  options: NotificationQueueOptions = {},
): NotificationQueue {
  return new Queue<DeliverJob | DigestJob, unknown, typeof DELIVER_JOB | typeof DIGEST_JOB>(
    NOTIFICATIONS_QUEUE,
    {
      connection,
      prefix,
      defaultJobOptions: {
        attempts: options.attempts ?? 10,
        // Exponential with jitter, or the sink's Retry-After when it sent one (see the worker).
        backoff: { type: SINK_BACKOFF, delay: options.backoffMs ?? 2000 },
        // Completed deliveries are kept a day so a re-run of the rule that made them is deduplicated.
        removeOnComplete: { age: 24 * 3600, count: 100_000 },
        // Failed deliveries stay until an operator retries or removes them: never dropped silently.
        removeOnFail: false,
      },
    },
  );
}

/** One job id per alert and sink, so re-adding the same delivery is a no-op. */
export function deliveryJobId(alertId: string, sink: string): string {
  return `${alertId}.${sink}`;
}

/** Puts one delivery job per sink on the queue; safe to call again for the same alert. */
export async function enqueueDeliveries(queue: NotificationQueue, alert: Alert, sinks: readonly string[]) {
  // One `add` per sink rather than `addBulk`: addBulk builds an ioredis pipeline, whose
  // constructor copies every script BullMQ defined onto it (~4% of the worker's CPU per callback).
  // Each add is idempotent by its job id, as the bulk was (a pipeline is not atomic either).
  await Promise.all(
    sinks.map((sink) => queue.add(DELIVER_JOB, { sink, alert }, { jobId: deliveryJobId(alert.id, sink) })),
  );
}
