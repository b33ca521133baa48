import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits `ms`, or less when `signal` aborts first. Node's abortable timer removes its abort
 * listener when it fires, so a loop sleeping on one long-lived signal does not pile them up.
 */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal }).catch(() => {});
}
