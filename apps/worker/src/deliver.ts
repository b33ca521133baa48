import type { Sink } from '@imwatch/notify';
import { deliveryJobId, enqueueDeliveries, type NotificationQueue } from '@imwatch/queue';
import type { Deliver } from './rules-handler.js';

/**
 * A sink written in place, by the callback worker, instead of through the notifications queue: a
 * log sink without rate limits cannot fail, needs no retries and no digest, so a delivery job
 * would only add a job's Redis round trips and a notification worker's turn per alert — a third
 * of the worker's CPU in `npm run bench`, where the shipped config has only the log sink.
 */
export function writesInPlace(sink: Sink): boolean {
  return sink.type === 'log' && sink.limits.length === 0;
}

/**
 * Hands an alert to its sinks: every queued sink gets one delivery job (idempotent by its id, so
 * a re-run of the callback may enqueue again), an in-place sink gets the alert now — only when
 * the alert is `fresh`, made by this run, so a callback Tencent sends again writes nothing twice.
 * The line is written right after the rules script answers; a crash in those microseconds loses
 * it, while the alert itself stays in `{imwatch}:alerts`.
 */
export function createDeliver(notifications: NotificationQueue, sinks: ReadonlyMap<string, Sink>): Deliver {
  return async (alert, names, fresh) => {
    const queued: string[] = [];
    for (const name of names) {
      const sink = sinks.get(name);
      if (!sink || !writesInPlace(sink)) queued.push(name);
      else if (fresh)
        await sink.send({ kind: 'alert', id: deliveryJobId(alert.id, name), alert }, Date.now());
    }
    if (queued.length > 0) await enqueueDeliveries(notifications, alert, queued);
  };
}
