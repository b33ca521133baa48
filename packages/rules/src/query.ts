import { ERROR_CATEGORIES, type ErrorCategory } from '@imwatch/protocol';
import type { Redis } from 'ioredis';
import { rulesKeys } from './keys.js';

export interface CountsQuery {
  appId: string;
  /** Only this category; all when left out. */
  category?: ErrorCategory;
  /** Also answer the count of this group / sender. */
  groupId?: string;
  sender?: string;
  /** How many counter windows back, the current one included. */
  windows: number;
  /** `alerting.counterWindow` of the config, in ms. */
  windowMs: number;
  /** Default: the current time. */
  now?: number;
  /** Length of the top lists (default 10). */
  top?: number;
}

export interface CountsResult {
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

function topOf(flat: string[], n: number): [string, number][] {
  const pairs: [string, number][] = [];
  // ZUNION … WITHSCORES answers in ascending score order; the top is at the end.
  for (let i = flat.length - 2; i >= 0 && pairs.length < n; i -= 2)
    pairs.push([flat[i] as string, Number(flat[i + 1])]);
  return pairs;
}

/**
 * Counts of undelivered messages for an app over the last N counter windows: totals by category
 * and window, one group's and one sender's count, the top groups and senders, and the traffic
 * by command. Read-only; for the CLI and the HTTP API.
 */
export async function queryCounts(redis: Redis, prefix: string, query: CountsQuery): Promise<CountsResult> {
  const keys = rulesKeys(prefix);
  const { appId, windowMs } = query;
  const top = query.top ?? 10;
  const now = query.now ?? Date.now();
  const newest = now - (now % windowMs);
  const starts = Array.from(
    { length: Math.max(1, query.windows) },
    (_, i) => newest - i * windowMs,
  ).reverse();
  const categories = query.category ? [query.category] : ERROR_CATEGORIES;

  const pipeline = redis.pipeline();
  for (const start of starts) pipeline.hgetall(keys.counts(appId, start));
  for (const start of starts) pipeline.hgetall(keys.traffic(appId, start));
  const groupKeys = starts.flatMap((start) => categories.map((c) => keys.groups(appId, c, start)));
  const senderKeys = starts.flatMap((start) => categories.map((c) => keys.senders(appId, c, start)));
  pipeline.zunion(groupKeys.length, ...groupKeys, 'WITHSCORES');
  pipeline.zunion(senderKeys.length, ...senderKeys, 'WITHSCORES');
  if (query.groupId !== undefined) for (const key of groupKeys) pipeline.zscore(key, query.groupId);
  if (query.sender !== undefined) for (const key of senderKeys) pipeline.zscore(key, query.sender);
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
  const topGroups = topOf(values[at++] as string[], top).map(([groupId, count]) => ({ groupId, count }));
  const topSenders = topOf(values[at++] as string[], top).map(([sender, count]) => ({ sender, count }));
  const sum = (n: number) => {
    let total = 0;
    for (let i = 0; i < n; i++) total += Number(values[at++] ?? 0);
    return total;
  };
  const result: CountsResult = {
    from: starts[0] ?? newest,
    to: newest + windowMs,
    total: perWindow.reduce((total, window) => total + window.total, 0),
    byCategory,
    perWindow,
    topGroups,
    topSenders,
    traffic,
  };
  if (query.groupId !== undefined) result.group = sum(groupKeys.length);
  if (query.sender !== undefined) result.sender = sum(senderKeys.length);
  return result;
}
