import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Alert } from './alert.js';
import type { DeliverJob } from './catalog.js';
import { DELIVER_JOB, NOTIFICATIONS_QUEUE } from './names.js';

/** The notifications queue, typed by its catalog. */
export type NotificationQueue = Queue<DeliverJob, void, typeof DELIVER_JOB>;

export function createNotificationQueue(connection: Redis, prefix: string): NotificationQueue {
  return new Queue<DeliverJob, void, typeof DELIVER_JOB>(NOTIFICATIONS_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 10,
      backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
      // Completed deliveries are kept a day so a re-run of the rule that made them is deduplicated.
      removeOnComplete: { age: 24 * 3600, count: 100_000 },
      // Failed deliveries stay until an operator retries or removes them: never dropped silently.
      removeOnFail: false,
    },
  });
}

/** One job id per alert and sink, so re-adding the same delivery is a no-op. */
export function deliveryJobId(alertId: string, sink: string): string {
  return `${alertId}.${sink}`;
}

/** Puts one delivery job per sink on the queue; safe to call again for the same alert. */
export async function enqueueDeliveries(queue: NotificationQueue, alert: Alert, sinks: readonly string[]) {
  if (sinks.length === 0) return;
  await queue.addBulk(
    sinks.map((sink) => ({
      name: DELIVER_JOB,
      data: { sink, alert },
      opts: { jobId: deliveryJobId(alert.id, sink) },
    })),
  );
}
