import { hash } from 'node:crypto';
import type { Label, RuleConfig } from '@imwatch/config';
import type { Alert } from '@imwatch/queue';
import { CATEGORY_TEXT, formatDuration, summaryTemplate, whoLabels, whoText } from './alert-text.js';
import type { CallbackEvent, DeliveryFailure } from './event.js';

// One-shot hash: a tenth of the cost of createHash().update().digest() per call.
const shortHash = (text: string) => hash('sha1', text, 'hex').slice(0, 16);

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

/** What a threshold rule's template needs that is the same on every event: computed once. */
interface ThresholdParts {
  who: Label[];
  ruleJson: string;
  window: string;
  withGroup: boolean;
  withGroupType: boolean;
  withSender: boolean;
  withErrorCode: boolean;
  /** The last window start and its ISO text: every event of a window needs the same one. */
  start: number;
  startIso: string;
}

const thresholdParts = new WeakMap<RuleConfig, ThresholdParts>();

function partsOf(rule: RuleConfig): ThresholdParts {
  let parts = thresholdParts.get(rule);
  if (parts === undefined) {
    const by = rule.groupBy;
    parts = {
      who: whoLabels(rule),
      ruleJson: JSON.stringify(rule.name),
      window: formatDuration(rule.windowMs),
      withGroup: by.includes('group'),
      withGroupType: by.includes('group') || by.includes('groupType'),
      withSender: by.includes('sender'),
      withErrorCode: by.includes('errorCode'),
      start: Number.NaN,
      startIso: '',
    };
    thresholdParts.set(rule, parts);
  }
  return parts;
}

/**
 * The same JSON as alertTemplate for a threshold rule, written by concatenation. A threshold rule
 * matches every failure of its kind but fires once per window, so the template of most events is
 * never used and their keys (group, sender) rarely repeat: no cache, only a cheap build.
 */
export function thresholdTemplate(
  rule: RuleConfig,
  event: CallbackEvent,
  failure: DeliveryFailure,
  key: string,
  windowStart: number,
): string {
  const parts = partsOf(rule);
  if (parts.start !== windowStart) {
    parts.start = windowStart;
    parts.startIso = new Date(windowStart).toISOString();
  }
  const summary =
    `${whoText(parts.who, event, failure)}: {count} messages not delivered (${CATEGORY_TEXT[failure.category]}) ` +
    `in the ${parts.window} window from ${parts.startIso}`;
  let json =
    `{"id":${JSON.stringify(`${rule.name}-${shortHash(key)}-${windowStart}`)},"rule":${parts.ruleJson}` +
    `,"kind":"threshold","category":${JSON.stringify(failure.category)},"appId":${JSON.stringify(event.appId)}` +
    `,"summary":${JSON.stringify(summary)}`;
  if (parts.withGroup) json += `,"groupId":${JSON.stringify(failure.group)}`;
  if (parts.withGroupType && failure.groupType) json += `,"groupType":${JSON.stringify(failure.groupType)}`;
  if (parts.withSender) json += `,"sender":${JSON.stringify(failure.sender)}`;
  if (parts.withErrorCode) json += `,"errorCode":${failure.errorCode}`;
  return `${json},"window":{"start":${windowStart},"end":${windowStart + rule.windowMs}}}`;
}
