import type { Alert, DigestEntry } from '@imwatch/queue';
import { type Locale, WORDS } from './locale.js';
import type { Notice } from './sink.js';
import { renderTemplate, templateFields } from './template.js';

/** What a chat or mail sink shows: a title and the same body as plain text and as Markdown. */
export interface Message {
  title: string;
  text: string;
  markdown: string;
}

export interface MessageSettings {
  sink: string;
  locale: Locale;
  templates?: { title?: string | undefined; text?: string | undefined } | undefined;
}

const joinMarkdown = (title: string, lines: readonly string[]) => [`**${title}**`, ...lines].join('\n\n');

/** The message for one alert: the sink's templates when configured, else the locale's default. */
export function alertMessage(alert: Alert, settings: MessageSettings): Message {
  const words = WORDS[settings.locale];
  const fields = templateFields(alert, settings.sink, words);
  const title = settings.templates?.title
    ? renderTemplate(settings.templates.title, fields)
    : words.title(alert.rule);
  if (settings.templates?.text) {
    const text = renderTemplate(settings.templates.text, fields);
    return { title, text, markdown: joinMarkdown(title, [text]) };
  }
  const pair = (label: string, value: string) => (value === '' ? undefined : `${label}: ${value}`);
  const where = [
    pair(words.app, fields.appId ?? ''),
    pair(words.group, alert.groupType ? `${fields.groupId} (${alert.groupType})` : (fields.groupId ?? '')),
    pair(words.sender, fields.sender ?? ''),
  ].filter((part) => part !== undefined);
  const lines = [
    alert.summary,
    `${words.rule}: ${alert.rule} (${fields.kind}) · ${words.category}: ${fields.category}`,
    where.join(' · '),
    pair(words.error, [fields.errorCode, fields.errorInfo].filter(Boolean).join(' ')),
    [pair(words.count, fields.count ?? ''), pair(words.window, fields.window ?? '')]
      .filter(Boolean)
      .join(' · '),
    pair(words.top, fields.top ?? ''),
    pair(words.sample, fields.sample ?? ''),
    alert.suppressed ? pair(words.suppressed, fields.suppressed ?? '') : undefined,
  ].filter((line): line is string => line !== undefined && line !== '');
  return { title, text: lines.join('\n'), markdown: joinMarkdown(title, lines) };
}

/**
 * One message standing for `total` alerts held back by the rate limit: counts by rule, then the
 * first `maxLines` summaries. `entries` may be fewer than `total` when the buffer overflowed.
 */
export function digestMessage(
  entries: readonly DigestEntry[],
  total: number,
  settings: MessageSettings & { maxLines: number },
): Message {
  const words = WORDS[settings.locale];
  const byRule = new Map<string, number>();
  for (const entry of entries) byRule.set(entry.rule, (byRule.get(entry.rule) ?? 0) + 1);
  const ruleCounts = [...byRule].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const listed = entries.slice(0, settings.maxLines).map((entry) => `• ${entry.summary}`);
  const lines = [
    words.digestHead(total),
    `${words.digestByRule}: ${ruleCounts.map(([rule, count]) => `${rule} ×${count}`).join(', ')}`,
    ...listed,
  ];
  if (total > listed.length) lines.push(words.digestUnlisted(total - listed.length));
  const title = words.digestTitle(total);
  return { title, text: lines.join('\n'), markdown: joinMarkdown(title, lines) };
}

/** The message for whatever a sink was asked to send. */
export function noticeMessage(notice: Notice, settings: MessageSettings & { maxLines: number }): Message {
  return notice.kind === 'alert'
    ? alertMessage(notice.alert, settings)
    : digestMessage(notice.entries, notice.total, settings);
}

/** Cuts text to at most `maxBytes` of UTF-8 without splitting a character; robots reject longer. */
export function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const ellipsis = '…';
  let cut = text.slice(0, maxBytes);
  while (Buffer.byteLength(cut) + Buffer.byteLength(ellipsis) > maxBytes) cut = cut.slice(0, -1);
  return cut + ellipsis;
}
