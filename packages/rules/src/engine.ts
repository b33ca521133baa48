import type { AlertingConfig, RuleConfig } from '@imwatch/config';
import { type Alert, type CallbackJob, scriptCaller } from '@imwatch/queue';
import { turnBatcher } from '@imwatch/runtime';
import type { Redis } from 'ioredis';
import { applyScript } from './apply.lua.js';
import { type CallbackEvent, toEvent } from './event.js';
import { rulesKeys } from './keys.js';
import { buildPlan, compileRules, type Plan, planSettings, type TemplateCache } from './plan.js';

/** What applying one callback did. */
export interface ApplyResult {
  /** False when the callback had been applied before: nothing changed this time. */
  fresh: boolean;
  /** The alerts the callback produced, also on a re-run, so lost deliveries can be re-enqueued. */
  alerts: Alert[];
  /** Alerts held back by an inhibition on this run. */
  inhibited: number;
}

export interface RulesEngine {
  apply(callback: CallbackJob): Promise<ApplyResult>;
  /** The sinks an alert goes to: its rule's, else the default ones. */
  sinksFor(alert: Alert): readonly string[];
}

export interface RulesEngineDeps {
  redis: Redis;
  prefix: string;
  rules: readonly RuleConfig[];
  alerting: AlertingConfig;
  /** Callbacks per script call at most (default 100). */
  maxBatch?: number;
}

/** A callback waiting for its batch, planned. */
interface Waiting {
  callback: CallbackJob;
  event: CallbackEvent;
  plan: Plan;
  resolve: (result: ApplyResult) => void;
  reject: (error: unknown) => void;
}

/** The script answered -1 for this callback: the error is its own, the rest of the batch went on. */
export class ApplyError extends Error {
  override name = 'ApplyError';
}

/**
 * Builds the engine: rules compiled once, the script registered on the connection.
 *
 * The callbacks applied during one turn of the event loop go to Redis in one script call
 * (turnBatcher, as a turn's log lines go in one write): a worker running many jobs at once pays
 * one command, one socket write and one reply for all of them, not one each. Each callback is
 * still applied on its own, atomically and guarded; one that fails fails alone (apply.lua.ts).
 */
export function createRulesEngine({
  redis,
  prefix,
  rules,
  alerting,
  maxBatch = 100,
}: RulesEngineDeps): RulesEngine {
  const compiled = compileRules(rules, alerting);
  const keys = rulesKeys(prefix);
  const settings = planSettings(alerting);
  const templates: TemplateCache = new Map();
  const sinks = new Map(rules.map((rule) => [rule.name, rule.sinks ?? alerting.defaultSinks]));
  // The script carries these rules' constants, so each engine calls its own by its text's SHA.
  const run = scriptCaller(redis, applyScript(compiled, settings));

  const batches = turnBatcher<Waiting>(send, maxBatch);

  /** Plans the callback now (a planning error is its caller's) and queues it for this turn's call. */
  function submit(waiting: Omit<Waiting, 'plan'>, withThresholdTemplates: boolean) {
    const { callback, event } = waiting;
    const plan = buildPlan(
      callback.callbackId,
      event,
      compiled,
      keys,
      settings,
      templates,
      withThresholdTemplates,
    );
    batches.add({ ...waiting, plan });
  }

  function send(batch: Waiting[]) {
    const planKeys: string[] = [];
    const args: (string | number)[] = [batch.length];
    for (const { plan } of batch) {
      planKeys.push(...plan.keys);
      args.push(plan.keys.length, plan.args.length, ...plan.args);
    }
    run(planKeys, args).then(
      (result) => {
        const reply = result as (number | string)[];
        batch.forEach((w, i) => {
          try {
            answer(w, reply[3 * i], reply[3 * i + 1], reply[3 * i + 2]);
          } catch (error) {
            w.reject(error);
          }
        });
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error);
      },
    );
  }

  function answer(w: Waiting, fresh: unknown, alerts: unknown, inhibited: unknown) {
    if (fresh === 2) {
      // A threshold rule may fire: nothing was changed, run again with its template.
      submit(w, true);
    } else if (fresh === 0 || fresh === 1) {
      const list = alerts === '' ? [] : (JSON.parse(String(alerts)) as Alert[]);
      w.resolve({ fresh: fresh === 1, alerts: list, inhibited: Number(inhibited) });
    } else {
      w.reject(new ApplyError(`rules script failed for ${w.callback.callbackId}: ${String(alerts)}`));
    }
  }

  return {
    apply(callback) {
      const event = toEvent(callback);
      return new Promise((resolve, reject) => submit({ callback, event, resolve, reject }, false));
    },
    sinksFor: (alert) => sinks.get(alert.rule) ?? alerting.defaultSinks,
  };
}
