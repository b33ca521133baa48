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
 * a re-run of the callback may enqueue again), an in-place sink gets the alert now when
 * `writeInPlace` — the alert is new, or its job runs again after an attempt that may have died
 * before writing it. A callback Tencent sends again therefore writes nothing twice, and a crash
 * loses nothing: at worst its job's retry writes a line a second time (at least once, as a queued
 * delivery is when a worker dies mid-send). Answers whether an in-place sink wrote the alert now.
 */
export function createDeliver(notifications: NotificationQueue, sinks: ReadonlyMap<string, Sink>): Deliver {
  return async (alert, names, writeInPlace) => {
    const queued: string[] = [];
    let written = false;
    for (const name of names) {
      const sink = sinks.get(name);
      if (!sink || !writesInPlace(sink)) queued.push(name);
      else if (writeInPlace) {
        await sink.send({ kind: 'alert', id: deliveryJobId(alert.id, name), alert }, Date.now());
        written = true;
      }
    }
    if (queued.length > 0) await enqueueDeliveries(notifications, alert, queued);
    return written;
  };
}
