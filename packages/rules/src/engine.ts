import { hash } from 'node:crypto';
import type { AlertingConfig, RuleConfig } from '@imwatch/config';
import type { Alert, CallbackJob } from '@imwatch/queue';
import type { Redis } from 'ioredis';
import { applyScript } from './apply.lua.js';
import { toEvent } from './event.js';
import { rulesKeys } from './keys.js';
import { buildPlan, compileRules, planSettings, type TemplateCache } from './plan.js';

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
}

type ApplyCommand = (
  numKeys: number,
  ...keysAndArgs: (string | number)[]
) => Promise<[0 | 1 | 2, string, number]>;

/** Builds the engine: rules compiled once, the script registered on the connection. */
export function createRulesEngine({ redis, prefix, rules, alerting }: RulesEngineDeps): RulesEngine {
  const compiled = compileRules(rules, alerting);
  const keys = rulesKeys(prefix);
  const settings = planSettings(alerting);
  const templates: TemplateCache = new Map();
  const sinks = new Map(rules.map((rule) => [rule.name, rule.sinks ?? alerting.defaultSinks]));
  // The script carries these rules' constants, so its command is named after its text: engines
  // with other rules on the same connection get their own. defineCommand loads it once and falls
  // back from EVALSHA to EVAL after a Redis restart.
  const lua = applyScript(compiled, settings);
  const command = `imwatchApplyRules${hash('sha1', lua, 'hex').slice(0, 12)}`;
  if (!(command in redis)) redis.defineCommand(command, { lua });
  const run = ((redis as unknown as Record<string, ApplyCommand>)[command] as ApplyCommand).bind(redis);

  return {
    async apply(callback) {
      const event = toEvent(callback);
      const attempt = async (withThresholdTemplates: boolean) => {
        const plan = buildPlan(
          callback.callbackId,
          event,
          compiled,
          keys,
          settings,
          templates,
          withThresholdTemplates,
        );
        return run(plan.keys.length, ...plan.keys, ...plan.args);
      };
      let reply = await attempt(false);
      // A threshold rule may fire: nothing was changed, run again with its template.
      if (reply[0] === 2) reply = await attempt(true);
      const [fresh, alerts, inhibited] = reply;
      return { fresh: fresh === 1, alerts: alerts === '' ? [] : (JSON.parse(alerts) as Alert[]), inhibited };
    },
    sinksFor: (alert) => sinks.get(alert.rule) ?? alerting.defaultSinks,
  };
}
