import type { AlertingConfig, Label, RuleConfig } from '@imwatch/config';
import { cachedTemplate, type TemplateCache, thresholdTemplate } from './alert-template.js';
import type { CallbackEvent, DeliveryFailure } from './event.js';
import type { RulesKeys } from './keys.js';
import { compileMatch, labelKey } from './match.js';

interface InhibitLink {
  /** The source rule whose active alerts inhibit. */
  source: string;
  equal: readonly Label[];
  equalName: string;
}

/** A rule prepared once at start: its predicate and the inhibitions it sets and obeys. */
export interface CompiledRule {
  config: RuleConfig;
  matches: (event: CallbackEvent, failure: DeliveryFailure) => boolean;
  marks: InhibitLink[];
  checks: InhibitLink[];
  /** How the plan names it to the apply script (its `ruleConstants(i)`, apply.lua.ts), from 1. */
  index: number;
  /** How long its state lives: its cooldown or window plus the lateness, for late events. */
  stateTtlMs: number;
}

export function compileRules(rules: readonly RuleConfig[], alerting: AlertingConfig): CompiledRule[] {
  const link = (source: string, equal: readonly Label[]): InhibitLink => ({
    source,
    equal,
    equalName: equal.join(','),
  });
  return rules
    .filter((rule) => rule.enabled)
    .map((config, i) => {
      const marks = alerting.inhibit
        .filter((inhibit) => inhibit.source === config.name)
        .map((inhibit) => link(inhibit.source, inhibit.equal));
      const checks = alerting.inhibit
        .filter((inhibit) => inhibit.target.includes(config.name))
        .map((inhibit) => link(inhibit.source, inhibit.equal));
      // State outlives its cooldown or window by the lateness, for late events.
      const stateTtlMs = (config.kind === 'alert' ? config.cooldownMs : config.windowMs) + alerting.lateness;
      return { config, matches: compileMatch(config), marks, checks, index: i + 1, stateTtlMs };
    });
}

export type { TemplateCache };

/**
 * The engine's settings from the `alerting:` config, durations in ms: the counter windows the plan
 * cuts keys by, and the TTLs and stream length the apply script is written with (ScriptSettings).
 */
export interface PlanSettings {
  guardTtlMs: number;
  streamMaxLen: number;
  counterWindowMs: number;
  /** TTL of the fine counters. */
  fineCounterTtlMs: number;
  coarseCounterWindowMs: number;
  /** TTL of the coarse counters (the full retention). */
  counterTtlMs: number;
}

export function planSettings(alerting: AlertingConfig): PlanSettings {
  return {
    guardTtlMs: alerting.guardTtl,
    streamMaxLen: alerting.alertsStreamMaxLen,
    counterWindowMs: alerting.counterWindow,
    fineCounterTtlMs: alerting.fineCountersRetention,
    coarseCounterWindowMs: alerting.coarseCounterWindow,
    counterTtlMs: alerting.countersRetentionDays * 86_400_000,
  };
}

/**
 * What only an alert needs from the callback, in one JSON argument the script decodes when a rule
 * fires: most callbacks fire nothing, and every argument costs Redis on every call.
 */
function alertDetails(callbackId: string, failure: DeliveryFailure): string {
  const details: { id: string; errorInfo?: string; sample?: DeliveryFailure['sample'] } = {
    id: callbackId.slice(3),
  };
  if (failure.errorInfo !== '') details.errorInfo = failure.errorInfo;
  if (failure.sample) details.sample = failure.sample;
  return JSON.stringify(details);
}

/** The KEYS and ARGV of one run of the apply script. */
export interface Plan {
  keys: string[];
  args: (string | number)[];
}

/**
 * Turns one callback into the plan of its effects: which counters, which rules, which state keys.
 * Pure and deterministic, so a re-run builds the same plan. Threshold rules get their alert
 * templates only `withThresholdTemplates`: they fire once per key and window, so the engine
 * asks for them only when the script says one may fire (apply.lua.ts).
 */
export function buildPlan(
  callbackId: string,
  event: CallbackEvent,
  rules: readonly CompiledRule[],
  keys: RulesKeys,
  settings: PlanSettings,
  templates: TemplateCache,
  withThresholdTemplates = true,
): Plan {
  const fine = event.eventTime - (event.eventTime % settings.counterWindowMs);
  const coarse = event.eventTime - (event.eventTime % settings.coarseCounterWindowMs);
  const planKeys = [
    keys.guard(callbackId),
    keys.alerts,
    keys.traffic('fine', event.appId, fine),
    keys.traffic('coarse', event.appId, coarse),
  ];
  const args: (string | number)[] = [event.command, event.eventTime];
  const failure = event.failure;
  if (!failure) return { keys: planKeys, args };
  const { appId } = event;
  planKeys.push(
    keys.counts('fine', appId, fine),
    keys.groups('fine', appId, failure.category, fine),
    keys.senders('fine', appId, failure.category, fine),
    keys.counts('coarse', appId, coarse),
    keys.groups('coarse', appId, failure.category, coarse),
    keys.senders('coarse', appId, failure.category, coarse),
  );
  args.push(failure.category, failure.group, failure.sender, alertDetails(callbackId, failure));
  for (const rule of rules) {
    if (!rule.matches(event, failure)) continue;
    const { config } = rule;
    const key = labelKey(event, failure, config.groupBy);
    let windowStart = 0;
    if (config.kind === 'alert') {
      planKeys.push(keys.cooldown(config.name, key));
    } else {
      windowStart = event.eventTime - (event.eventTime % config.windowMs);
      planKeys.push(keys.window(config.name, windowStart, key));
      if (config.topSenders > 0) planKeys.push(keys.windowSenders(config.name, windowStart, key));
      if (config.cooldownMs > 0) planKeys.push(keys.cooldown(config.name, key));
    }
    for (const mark of rule.marks)
      planKeys.push(keys.active(mark.source, mark.equalName, labelKey(event, failure, mark.equal)));
    for (const check of rule.checks)
      planKeys.push(keys.active(check.source, check.equalName, labelKey(event, failure, check.equal)));
    args.push(
      rule.index,
      windowStart + config.windowMs,
      config.kind === 'alert'
        ? cachedTemplate(templates, config, event, failure)
        : withThresholdTemplates
          ? thresholdTemplate(config, event, failure, key, windowStart)
          : '',
    );
  }
  return { keys: planKeys, args };
}
