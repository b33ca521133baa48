import { hash } from 'node:crypto';
import type { Label, RuleConfig } from '@imwatch/config';
import type { Alert } from '@imwatch/queue';
import { alertSummary, formatDuration, thresholdSummary, whoLabels } from './alert-text.js';
import type { CallbackEvent, DeliveryFailure } from './event.js';

// One-shot hash: a tenth of the cost of createHash().update().digest() per call.
const shortHash = (text: string) => hash('sha1', text, 'hex').slice(0, 16);

type Template = Omit<Alert, 'count' | 'firstEventTime' | 'lastEventTime'>;

/**
 * The alert an alert rule raises for this event, minus what the script fills in on firing (count,
 * times, suppressed; errorInfo, sample and the callback part of the id come from the callback's own
 * arguments). What is left depends only on the cache key below, so hot keys build it once.
 */
function alertTemplate(rule: RuleConfig, event: CallbackEvent, failure: DeliveryFailure): string {
  const alert: Template = {
    id: rule.name,
    rule: rule.name,
    kind: rule.kind,
    category: failure.category,
    appId: event.appId,
    summary: alertSummary(rule, event, failure),
    groupId: failure.group,
    ...(failure.groupType && { groupType: failure.groupType }),
    sender: failure.sender,
    errorCode: failure.errorCode,
  };
  return JSON.stringify(alert);
}

/** Everything an alert rule's template depends on besides the rule. */
const templateKey = (rule: RuleConfig, event: CallbackEvent, failure: DeliveryFailure) =>
  `${rule.name}\n${event.appId}\n${failure.group}\n${failure.groupType}\n${failure.sender}\n${failure.errorCode}\n${event.platform}`;

const TEMPLATE_CACHE_SIZE = 10_000;

/** Recently built alert templates; cleared when full, which only costs rebuilding them. */
export type TemplateCache = Map<string, string>;

/** An alert rule's template (kind `alert`), from the cache when its key was seen recently. */
export function cachedTemplate(
  cache: TemplateCache,
  rule: RuleConfig,
  event: CallbackEvent,
  failure: DeliveryFailure,
): string {
  const cacheKey = templateKey(rule, event, failure);
  let template = cache.get(cacheKey);
  if (template === undefined) {
    if (cache.size >= TEMPLATE_CACHE_SIZE) cache.clear();
    template = alertTemplate(rule, event, failure);
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
 * A threshold rule's alert template, written by concatenation. A threshold rule matches every
 * failure of its kind but fires once per window, so the template of most events is never used and
 * their keys (group, sender) rarely repeat: no cache, only a cheap build. The test holds it against
 * the same alert built as an object and stringified.
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
  const summary = thresholdSummary(parts.who, event, failure, parts.window, parts.startIso);
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
