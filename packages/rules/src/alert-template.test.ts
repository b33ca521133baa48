import { createHash } from 'node:crypto';
import type { Label, RuleConfig } from '@imwatch/config';
import { describe, expect, it } from 'vitest';
import { thresholdTemplate } from './alert-template.js';
import { formatDuration, thresholdSummary, whoLabels } from './alert-text.js';
import { type CallbackEvent, type DeliveryFailure, toEvent } from './event.js';
import { labelKey } from './match.js';
import { defaultConfig, failureCallback, MINUTE, T0 } from './rules.test-helpers.js';

const LABELS: Label[] = ['app', 'group', 'sender', 'errorCode', 'category', 'groupType', 'platform'];

/** Every non-empty grouping of the labels, as threshold rules with two window lengths. */
function allThresholdRules() {
  const rules: string[] = [];
  for (let mask = 1; mask < 1 << LABELS.length; mask++) {
    const by = LABELS.filter((_, i) => mask & (1 << i));
    const window = mask % 2 ? '1m' : '90s';
    rules.push(
      `{ name: r${mask}, kind: threshold, window: ${window}, threshold: 3, groupBy: [${by.join(', ')}] }`,
    );
  }
  return defaultConfig(`rules: [${rules.join(', ')}]`).rules;
}

/** The same alert built the plain way, as an object stringified: the oracle of the concatenation. */
function objectBuiltTemplate(
  rule: RuleConfig,
  event: CallbackEvent,
  failure: DeliveryFailure,
  key: string,
  windowStart: number,
): string {
  const by = rule.groupBy;
  const start = new Date(windowStart).toISOString();
  const alert: Record<string, unknown> = {
    id: `${rule.name}-${createHash('sha1').update(key).digest('hex').slice(0, 16)}-${windowStart}`,
    rule: rule.name,
    kind: rule.kind,
    category: failure.category,
    appId: event.appId,
    summary: thresholdSummary(whoLabels(rule), event, failure, formatDuration(rule.windowMs), start),
  };
  if (by.includes('group')) alert.groupId = failure.group;
  if ((by.includes('group') || by.includes('groupType')) && failure.groupType)
    alert.groupType = failure.groupType;
  if (by.includes('sender')) alert.sender = failure.sender;
  if (by.includes('errorCode')) alert.errorCode = failure.errorCode;
  alert.window = { start: windowStart, end: windowStart + rule.windowMs };
  return JSON.stringify(alert);
}

const failureEvent = (spec: Parameters<typeof failureCallback>[0]) => {
  const event = toEvent(failureCallback(spec));
  if (!event.failure) throw new Error('not a failure');
  return { event, failure: event.failure };
};

describe('threshold alert templates', () => {
  const events = [
    failureEvent({ code: 10023, at: T0 + 5 * MINUTE + 7 }),
    failureEvent({
      code: 10017,
      group: '@TGS#"q"\\',
      sender: 'mia\n\u00e9\u4e2d',
      type: 'AVChatRoom',
      at: T0,
    }),
    failureEvent({ code: 99999, group: '', sender: '\u2028x\t', type: '', at: T0 + 3 * MINUTE + 30_000 }),
  ];

  it('are the same JSON, byte for byte, as the object-built template of every grouping', () => {
    const rules = allThresholdRules();
    expect(rules).toHaveLength(127);
    for (const rule of rules)
      for (const { event, failure } of events)
        for (const shift of [0, rule.windowMs]) {
          const at = event.eventTime + shift;
          const windowStart = at - (at % rule.windowMs);
          const key = labelKey(event, failure, rule.groupBy);
          expect(thresholdTemplate(rule, event, failure, key, windowStart)).toBe(
            objectBuiltTemplate(rule, event, failure, key, windowStart),
          );
        }
  });

  it('name the window, the key and its hash as written by hand', () => {
    const rule = defaultConfig().rules.find((r) => r.name === 'rate-limited-group');
    if (!rule) throw new Error('no rule');
    const { event, failure } = events[0] as (typeof events)[0];
    const key = labelKey(event, failure, rule.groupBy);
    expect(key).toBe('1400000000|@TGS#g1');
    const start = T0 + 5 * MINUTE;
    expect(JSON.parse(thresholdTemplate(rule, event, failure, key, start))).toEqual({
      // sha1('1400000000|@TGS#g1') = 2ff591ab8136ac4f4cadb599e64a785558bedafe (sha1sum)
      id: `rate-limited-group-2ff591ab8136ac4f-${start}`,
      rule: 'rate-limited-group',
      kind: 'threshold',
      category: 'rate_limited',
      appId: '1400000000',
      summary:
        'Group @TGS#g1, app 1400000000: {count} messages not delivered (send rate over the limit) ' +
        'in the 1m window from 2026-01-01T00:05:00.000Z',
      groupId: '@TGS#g1',
      groupType: 'Public',
      window: { start, end: start + MINUTE },
    });
  });
});
