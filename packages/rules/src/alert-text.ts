import type { Label, RuleConfig } from '@imwatch/config';
import { type CallbackEvent, cutText, type DeliveryFailure } from './event.js';

export const CATEGORY_TEXT: Record<DeliveryFailure['category'], string> = {
  muted: 'sender muted',
  rate_limited: 'send rate over the limit',
  content_blocked: 'blocked by content filtering',
  invalid_request: 'invalid request',
  other: 'other error',
};

const LABEL_TEXT: Record<Label, (event: CallbackEvent, failure: DeliveryFailure) => string> = {
  sender: (_e, f) => `sender ${f.sender}`,
  group: (_e, f) => `group ${f.group}`,
  errorCode: (_e, f) => `ErrorCode ${f.errorCode}`,
  category: (_e, f) => `category ${f.category}`,
  groupType: (_e, f) => `${f.groupType || 'untyped'} groups`,
  platform: (e) => `platform ${e.platform || 'unknown'}`,
  app: (e) => `app ${e.appId}`,
};

/** "1m", "1h", "90s": a window length as people write it. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

// Sender first, app last: "Sender jared in group @TGS#1, app 1400000000".
const WHO_ORDER: Label[] = ['sender', 'group', 'errorCode', 'groupType', 'platform', 'category', 'app'];

/** A rule's grouping labels in the order the summary names them; computed once per rule. */
export function whoLabels(rule: RuleConfig): Label[] {
  return WHO_ORDER.filter((label) => rule.groupBy.includes(label));
}

/** "Sender jared, group @TGS#1, app 1400000000": what the alert is about. */
export function whoText(labels: readonly Label[], event: CallbackEvent, failure: DeliveryFailure): string {
  let text = '';
  for (let i = 0; i < labels.length; i++) {
    if (i > 0) text += ', ';
    text += LABEL_TEXT[labels[i] as Label](event, failure);
  }
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * An alert rule's one-line summary, before the script adds what only it knows (the suppressed
 * count), then a full stop.
 */
export function alertSummary(rule: RuleConfig, event: CallbackEvent, failure: DeliveryFailure): string {
  const code = `ErrorCode ${failure.errorCode}${failure.known ? '' : ', not in the catalogue'}`;
  // An unknown code has no meaning of ours (the catalogue's would repeat "not in the catalogue"):
  // Tencent's own ErrorInfo is the best description there is.
  const meaning = failure.known
    ? failure.meaning
    : failure.errorInfo
      ? JSON.stringify(cutText(failure.errorInfo, 200)) // one line, bounded, whatever Tencent sent
      : 'an unknown error';
  return `${whoText(whoLabels(rule), event, failure)}: message not delivered, ${meaning} (${code})`;
}

/**
 * A threshold rule's one-line summary: `{count}` is replaced by the script, which also appends the
 * suppressed count and top senders, then a full stop.
 */
export function thresholdSummary(
  who: readonly Label[],
  event: CallbackEvent,
  failure: DeliveryFailure,
  window: string,
  startIso: string,
): string {
  return (
    `${whoText(who, event, failure)}: {count} messages not delivered (${CATEGORY_TEXT[failure.category]}) ` +
    `in the ${window} window from ${startIso}`
  );
}
