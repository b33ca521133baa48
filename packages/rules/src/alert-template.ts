import { createHash } from 'node:crypto';
import type { RuleConfig } from '@imwatch/config';
import type { Alert } from '@imwatch/queue';
import { summaryTemplate } from './alert-text.js';
import type { CallbackEvent, DeliveryFailure } from './event.js';

const shortHash = (text: string) => createHash('sha1').update(text).digest('hex').slice(0, 16);

type Template = Omit<Alert, 'count' | 'firstEventTime' | 'lastEventTime'>;

/**
 * The alert a rule would raise for this event, minus what the script fills in on firing (count,
 * times, suppressed, top senders; errorInfo, sample and the callback part of an alert rule's id
 * come from the callback's own arguments). What is left depends only on the cache key below, so
 * hot keys build it once instead of once per event.
 */
function alertTemplate(
  rule: RuleConfig,
  event: CallbackEvent,
  failure: DeliveryFailure,
  key: string,
  windowStart: number,
): string {
  const by = rule.groupBy;
  const single = rule.kind === 'alert';
  const alert: Template = {
    id: single ? rule.name : `${rule.name}-${shortHash(key)}-${windowStart}`,
    rule: rule.name,
    kind: rule.kind,
    category: failure.category,
    appId: event.appId,
    summary: summaryTemplate(rule, event, failure, windowStart),
  };
  // An alert names only what all its events share: one event's sender is not the group's story.
  if (single || by.includes('group')) alert.groupId = failure.group;
  if ((single || by.includes('group') || by.includes('groupType')) && failure.groupType)
    alert.groupType = failure.groupType;
  if (single || by.includes('sender')) alert.sender = failure.sender;
  if (single || by.includes('errorCode')) alert.errorCode = failure.errorCode;
  if (!single) alert.window = { start: windowStart, end: windowStart + rule.windowMs };
  return JSON.stringify(alert);
}

/** Everything a template depends on besides the rule. */
function templateKey(
  rule: RuleConfig,
  event: CallbackEvent,
  failure: DeliveryFailure,
  key: string,
  windowStart: number,
) {
  if (rule.kind === 'alert')
    return `${rule.name}\n${event.appId}\n${failure.group}\n${failure.groupType}\n${failure.sender}\n${failure.errorCode}\n${event.platform}`;
  return `${rule.name}\n${windowStart}\n${failure.category}\n${failure.groupType}\n${key}`;
}

const TEMPLATE_CACHE_SIZE = 10_000;

/** Recently built alert templates; cleared when full, which only costs rebuilding them. */
export type TemplateCache = Map<string, string>;

export function cachedTemplate(
  cache: TemplateCache,
  rule: RuleConfig,
  event: CallbackEvent,
  failure: DeliveryFailure,
  key: string,
  windowStart: number,
): string {
  const cacheKey = templateKey(rule, event, failure, key, windowStart);
  let template = cache.get(cacheKey);
  if (template === undefined) {
    if (cache.size >= TEMPLATE_CACHE_SIZE) cache.clear();
    template = alertTemplate(rule, event, failure, key, windowStart);
    cache.set(cacheKey, template);
  }
  return template;
}
