import type { Alert } from '@imwatch/queue';
import type { DeliveryOutcome } from './outcome.js';
import type { Sink } from './sink.js';

/** A harmless alert that says what it is, for checking a sink end to end. */
export function testAlert(now: number): Alert {
  return {
    id: `test-${now}`,
    rule: 'imwatch-test',
    kind: 'alert',
    category: 'other',
    appId: '-',
    count: 0,
    firstEventTime: now,
    lastEventTime: now,
    summary: 'imwatch test notification: this sink works (no action needed)',
  };
}

/**
 * Sends one test notification straight to a sink, bypassing the queue and its rate limit, and
 * returns what the service answered (for an operator command such as `imwatch sinks test`).
 */
export function sendTestNotification(sink: Sink, now = Date.now()): Promise<DeliveryOutcome> {
  const alert = testAlert(now);
  return sink.send({ kind: 'alert', id: `${alert.id}.${sink.name}`, alert }, now);
}
