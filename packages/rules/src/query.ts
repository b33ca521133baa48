import { ERROR_CATEGORIES, type ErrorCategory } from '@imwatch/protocol';
import type { Redis } from 'ioredis';
import { type CounterTier, rulesKeys } from './keys.js';

/** The counter settings of `alerting:` that the query needs to pick a tier. */
export interface CounterTiers {
  /** `alerting.counterWindow`, ms. */
  fineWindowMs: number;
  /** `alerting.fineCountersRetention`, ms. */
  fineRetentionMs: number;
  /** `alerting.coarseCounterWindow`, ms. */
  coarseWindowMs: number;
}

/** The config defaults (1m fine windows kept 24h, 1h coarse windows). */
export const DEFAULT_COUNTER_TIERS: CounterTiers = {
  fineWindowMs: 60_000,
  fineRetentionMs: 86_400_000,
  coarseWindowMs: 3_600_000,
};

/** The tiers of a parsed `alerting:` section. */
export function counterTiers(alerting: {
  counterWindow: number;
  fineCountersRetention: number;
  coarseCounterWindow: number;
}): CounterTiers {
  return {
    fineWindowMs: alerting.counterWindow,
    fineRetentionMs: alerting.fineCountersRetention,
    coarseWindowMs: alerting.coarseCounterWindow,
  };
}

export interface CountsQuery {
  appId: string;
  /** Only this category; all when left out. */
  category?: ErrorCategory;
  /** Also answer the count of this group / sender. */
  groupId?: string;
  sender?: string;
  /** The range asked for: this many windows of `windowMs` back, the current one included. */
  windows: number;
  /**
   * The resolution asked for, ms. Below the coarse window, and with the range inside the fine
   * retention, the fine tier answers; otherwise the coarse one (a range of whole coarse windows
   * covering the one asked for).
   */
  windowMs: number;
  /** The `alerting:` counter settings (see `counterTiers()`); default: the config defaults. */
  tiers?: CounterTiers;
  /** Default: the current time. */
  now?: number;
  /** Length of the top lists (default 10). */
  top?: number;
}

export interface CountsResult {
  /** The tier that answered, and the width of its windows (of `perWindow`). */
  tier: CounterTier;
  windowMs: number;
  /** Start of the oldest window and end of the newest. */
  from: number;
  to: number;
  /** Undelivered messages of the selected categories. */
  total: number;
  byCategory: Partial<Record<ErrorCategory, number>>;
  perWindow: { start: number; total: number }[];
  group?: number;
  sender?: number;
  topGroups: { groupId: string; count: number }[];
  topSenders: { sender: string; count: number }[];
  /** Callbacks per command (every command), same windows. */
  traffic: Record<string, number>;
}

/** The members of several groups or senders hashes (one per window and category), added up. */
function sumMembers(hashes: readonly Record<string, string>[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const hash of hashes)
    for (const [member, count] of Object.entries(hash))
      sums.set(member, (sums.get(member) ?? 0) + Number(count));
  return sums;
}

/**
 * The largest `n` of summed members; equal counts in descending member order, as ZUNION's answer
 * read from its end gave them before these were hashes.
 */
function topOf(sums: ReadonlyMap<string, number>, n: number): [string, number][] {
  return [...sums].sort(([a, x], [b, y]) => y - x || (a < b ? 1 : a > b ? -1 : 0)).slice(0, n);
}

/** The fine tier when the resolution asks for it and the whole range is still kept there. */
export function pickTier(windows: number, windowMs: number, tiers: CounterTiers): CounterTier {
  const range = Math.max(1, windows) * windowMs;
  return windowMs < tiers.coarseWindowMs && range <= tiers.fineRetentionMs ? 'fine' : 'coarse';
}

/**
 * Counts of undelivered messages for an app over the last N windows: totals by category and
 * window, one group's and one sender's count, the top groups and senders, and the traffic by
 * command. Read-only; for the CLI and the HTTP API.
 */
export async function queryCounts(redis: Redis, prefix: string, query: CountsQuery): Promise<CountsResult> {
  const keys = rulesKeys(prefix);
  const { appId } = query;
  const tiers = query.tiers ?? DEFAULT_COUNTER_TIERS;
  const tier = pickTier(query.windows, query.windowMs, tiers);
  const windowMs = tier === 'fine' ? tiers.fineWindowMs : tiers.coarseWindowMs;
  const top = query.top ?? 10;
  const now = query.now ?? Date.now();
  const newest = now - (now % windowMs);
  // Enough of the tier's windows to cover the range asked for (from the newest one back).
  const range = Math.max(1, query.windows) * query.windowMs;
  const count = Math.max(1, Math.ceil(range / windowMs));
  const starts = Array.from({ length: count }, (_, i) => newest - i * windowMs).reverse();
  const categories = query.category ? [query.category] : ERROR_CATEGORIES;

  const pipeline = redis.pipeline();
  for (const start of starts) pipeline.hgetall(keys.counts(tier, appId, start));
  for (const start of starts) pipeline.hgetall(keys.traffic(tier, appId, start));
  const groupKeys = starts.flatMap((start) => categories.map((c) => keys.groups(tier, appId, c, start)));
  const senderKeys = starts.flatMap((start) => categories.map((c) => keys.senders(tier, appId, c, start)));
  for (const key of groupKeys) pipeline.hgetall(key);
  for (const key of senderKeys) pipeline.hgetall(key);
  const replies = (await pipeline.exec()) ?? [];
  const values = replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });

  let at = 0;
  const byCategory: Partial<Record<ErrorCategory, number>> = {};
  const perWindow = starts.map((start) => {
    const hash = values[at++] as Record<string, string>;
    let total = 0;
    for (const category of categories) {
      const n = Number(hash[category] ?? 0);
      if (n > 0) byCategory[category] = (byCategory[category] ?? 0) + n;
      total += n;
    }
    return { start, total };
  });
  const traffic: Record<string, number> = {};
  for (let i = 0; i < starts.length; i++) {
    for (const [command, n] of Object.entries(values[at++] as Record<string, string>))
      traffic[command] = (traffic[command] ?? 0) + Number(n);
  }
  // The whole hashes are read for the top lists, so one group's or sender's count comes from them too.
  const members = (n: number) => {
    at += n;
    return sumMembers(values.slice(at - n, at) as Record<string, string>[]);
  };
  const groups = members(groupKeys.length);
  const senders = members(senderKeys.length);
  const topGroups = topOf(groups, top).map(([groupId, count]) => ({ groupId, count }));
  const topSenders = topOf(senders, top).map(([sender, count]) => ({ sender, count }));
  const result: CountsResult = {
    tier,
    windowMs,
    from: starts[0] ?? newest,
    to: newest + windowMs,
    total: perWindow.reduce((total, window) => total + window.total, 0),
    byCategory,
    perWindow,
    topGroups,
    topSenders,
    traffic,
  };
  if (query.groupId !== undefined) result.group = groups.get(query.groupId) ?? 0;
  if (query.sender !== undefined) result.sender = senders.get(query.sender) ?? 0;
  return result;
}
