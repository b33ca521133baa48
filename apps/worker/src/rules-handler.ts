import type { Alert } from '@imwatch/queue';
import type { RulesEngine } from '@imwatch/rules';
import type { Logger } from '@imwatch/runtime';
import type { CallbackHandler } from './callback-worker.js';

/**
 * Hands an alert to its sinks (see deliver.ts); must be safe to call twice for the same alert.
 * `fresh`: the alert was made by this run, not recalled from an earlier run of the callback.
 */
export type Deliver = (alert: Alert, sinks: readonly string[], fresh: boolean) => Promise<void>;

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
  return async (callback) => {
    const result = await engine.apply(callback);
    for (const alert of result.alerts) {
      if (result.fresh) logger.info({ alertId: alert.id, rule: alert.rule, summary: alert.summary }, 'alert');
      await deliver(alert, engine.sinksFor(alert), result.fresh);
    }
    if (result.inhibited > 0)
      logger.debug({ callbackId: callback.callbackId, inhibited: result.inhibited }, 'alerts inhibited');
  };
}
