import type { Alert } from '@imwatch/queue';
import type { RulesEngine } from '@imwatch/rules';
import type { Logger } from '@imwatch/runtime';
import type { CallbackHandler } from './callback-worker.js';

/**
 * Hands an alert to its sinks (see deliver.ts); must be safe to call twice for the same alert.
 * `writeInPlace`: the in-place sinks may not have the alert yet — it was made by this run, or an
 * earlier attempt of the same job made it and may have died before writing it. Resolves true when
 * an in-place sink wrote the alert into this process's own log.
 */
export type Deliver = (alert: Alert, sinks: readonly string[], writeInPlace: boolean) => Promise<boolean>;

export interface RulesHandlerDeps {
  engine: RulesEngine;
  deliver: Deliver;
  logger: Logger;
}

/**
 * Runs every callback through the rules engine (traffic counters for every command, the rules for
 * `Group.CallbackSendMsgException`) and hands its alerts to the notifications queue.
 *
 * The engine applies a callback once and remembers the alerts it made, so a run that crashed after
 * the Lua call but before the deliveries were enqueued gets the same alerts on the retry and
 * enqueues them then; delivery job ids are deterministic, so enqueueing twice is a no-op.
 */
export function createRulesHandler({ engine, deliver, logger }: RulesHandlerDeps): CallbackHandler {
  return async (callback, job) => {
    const result = await engine.apply(callback);
    // Not fresh: either the same callback under another job (already written: skip in-place
    // sinks), or this job again after a failed or stalled attempt (maybe not written: write).
    const writeInPlace = result.fresh || job.attemptsStarted > 1;
    for (const alert of result.alerts) {
      const inLog = await deliver(alert, engine.sinksFor(alert), writeInPlace);
      // The alert gets a line in the worker's log, as the in-place sinks get it (again on a retry,
      // whose earlier attempt may have died first), unless a log sink just wrote it there in full.
      if (writeInPlace && !inLog)
        logger.info({ alertId: alert.id, rule: alert.rule, summary: alert.summary }, 'alert');
    }
    if (result.inhibited > 0)
      logger.debug({ callbackId: callback.callbackId, inhibited: result.inhibited }, 'alerts inhibited');
  };
}
