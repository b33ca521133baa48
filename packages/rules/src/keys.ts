/**
 * Every Redis key the rules engine writes. All start with the prefix, so with the default
 * hash-tagged prefix they live in one Cluster slot and one Lua call may touch them all. Every key
 * has a TTL (docs/rules.md lists them with redis-cli examples). Values from callbacks (group,
 * sender) only ever come last, after a fixed word, so no callback can make two keys collide.
 */
/**
 * The two resolutions of the queryable counters: `fine` windows (`alerting.counterWindow`) kept
 * `fineCountersRetention`, `coarse` ones (`coarseCounterWindow`) kept `countersRetentionDays`.
 */
export type CounterTier = 'fine' | 'coarse';

export function rulesKeys(prefix: string) {
  return {
    /** String: the alerts one callback produced (JSON list, '' for none); exists = applied. */
    guard: (callbackId: string) => `${prefix}:guard:${callbackId}`,
    /** Stream of recent alerts. */
    alerts: `${prefix}:alerts`,
    /** Hash command → callbacks, per tier, app and counter window (every command, known or not). */
    traffic: (tier: CounterTier, appId: string, windowStart: number) =>
      `${prefix}:traffic:${tier}:${appId}:${windowStart}`,
    /** Hash category → undelivered messages, per tier, app and counter window. */
    counts: (tier: CounterTier, appId: string, windowStart: number) =>
      `${prefix}:counts:${tier}:${appId}:${windowStart}`,
    /** Hash group id → undelivered messages, per tier, app, category and counter window. */
    groups: (tier: CounterTier, appId: string, category: string, windowStart: number) =>
      `${prefix}:counts:${tier}:${appId}:${category}:${windowStart}:groups`,
    /** Hash sender → undelivered messages, per tier, app, category and counter window. */
    senders: (tier: CounterTier, appId: string, category: string, windowStart: number) =>
      `${prefix}:counts:${tier}:${appId}:${category}:${windowStart}:senders`,
    /** Hash until/suppressed: cooldown of an alert rule for one key. */
    cooldown: (rule: string, key: string) => `${prefix}:rule:${rule}:cooldown:${key}`,
    /** Hash count/first/fired: one key's window of a threshold rule. */
    window: (rule: string, windowStart: number, key: string) =>
      `${prefix}:rule:${rule}:window:${windowStart}:${key}`,
    /** Sorted set sender → count in that window, for the alert's top senders. */
    windowSenders: (rule: string, windowStart: number, key: string) =>
      `${prefix}:rule:${rule}:top:${windowStart}:${key}`,
    /** String: event time until which an alert of `rule` is active for these label values. */
    active: (rule: string, labels: string, values: string) => `${prefix}:active:${rule}:${labels}:${values}`,
  } as const;
}

export type RulesKeys = ReturnType<typeof rulesKeys>;
