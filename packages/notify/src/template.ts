import type { Alert } from '@imwatch/queue';
import { formatTime, type Words } from './locale.js';

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/**
 * Replaces each `{{field}}` with its value; a field the alert lacks becomes an empty string.
 * Plain substitution, never evaluation: a template cannot run code or reach other data.
 */
export function renderTemplate(template: string, fields: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (_match, name: string) =>
    Object.hasOwn(fields, name) ? (fields[name] ?? '') : '',
  );
}

/** The values `{{field}}` templates can use, as display strings. */
export function templateFields(alert: Alert, sink: string, words: Words): Record<string, string> {
  const text = (value: unknown) => (value === undefined ? '' : String(value));
  return {
    summary: alert.summary,
    rule: alert.rule,
    kind: words.kinds[alert.kind],
    category: words.categories[alert.category],
    appId: alert.appId,
    groupId: text(alert.groupId),
    groupType: text(alert.groupType),
    sender: text(alert.sender),
    errorCode: text(alert.errorCode),
    errorInfo: text(alert.errorInfo),
    count: String(alert.count),
    suppressed: text(alert.suppressed),
    window: alert.window ? `${formatTime(alert.window.start)} – ${formatTime(alert.window.end)}` : '',
    firstEventTime: formatTime(alert.firstEventTime),
    lastEventTime: formatTime(alert.lastEventTime),
    top: (alert.top ?? []).map(({ sender: who, count }) => `${who} (${count})`).join(', '),
    sample: sampleText(alert),
    alertId: alert.id,
    sink,
  };
}

/** Longest message sample shown; chat robots are no place for a whole message. */
const SAMPLE_CHARS = 200;

/** The sample message of an alert: its text (cut, on one line), else its element type. */
function sampleText(alert: Alert): string {
  if (!alert.sample) return '';
  const text = alert.sample.text?.replace(/\s+/g, ' ').trim();
  if (!text) return `[${alert.sample.msgType}]`;
  return text.length > SAMPLE_CHARS ? `${text.slice(0, SAMPLE_CHARS)}…` : text;
}
