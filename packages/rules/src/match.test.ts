import { describe, expect, it } from 'vitest';
import { toEvent } from './event.js';
import { compileMatch, labelKey } from './match.js';
import { defaultConfig, failureCallback, otherCallback, T0 } from './rules.test-helpers.js';

function ruleWith(match: string) {
  const config = defaultConfig(
    `rules: [{ name: r, kind: alert, cooldown: 1m, match: ${match}, groupBy: [app, groupType, platform] }]`,
  );
  const rule = config.rules[0];
  if (!rule) throw new Error('no rule');
  return { rule, matches: compileMatch(rule) };
}

const failureEvent = (spec: Parameters<typeof failureCallback>[0]) => {
  const event = toEvent(failureCallback(spec));
  if (!event.failure) throw new Error('not a failure');
  return { event, failure: event.failure };
};

describe('matching', () => {
  const muted = failureEvent({ code: 10017, group: '@TGS#abc', sender: 'mia', type: 'AVChatRoom', at: T0 });

  it.each([
    ['{}', true],
    ['{ category: [muted, rate_limited] }', true],
    ['{ category: [rate_limited] }', false],
    ['{ errorCode: [10017] }', true],
    ['{ errorCode: [10023] }', false],
    ['{ knownErrorCode: true }', true],
    ['{ knownErrorCode: false }', false],
    ['{ groupType: [AVChatRoom] }', true],
    ['{ groupType: [Public] }', false],
    ['{ groupId: "^@TGS#a" }', true],
    ['{ groupId: "^room-" }', false],
    ['{ platform: [RESTAPI] }', true],
    ['{ platform: [Android] }', false],
    ['{ sender: [mia, max] }', true],
    ['{ sender: [max] }', false],
    ['{ command: Group.CallbackSendMsgException, category: [muted] }', true],
    ['{ command: Group.CallbackOther }', false],
  ])('match %s → %s', (match, expected) => {
    expect(ruleWith(match).matches(muted.event, muted.failure)).toBe(expected);
  });

  it('builds the group key from the labels in order', () => {
    const { rule } = ruleWith('{}');
    expect(labelKey(muted.event, muted.failure, rule.groupBy)).toBe('1400000000|AVChatRoom|RESTAPI');
  });
});

describe('toEvent', () => {
  it('takes the event time from EventTime as a string or number, else from receivedAt', () => {
    const callback = failureCallback({ code: 10017, at: T0 + 7 });
    expect(toEvent(callback).eventTime).toBe(T0 + 7);
    expect(toEvent({ ...callback, body: { ...callback.body, EventTime: T0 + 9 } }).eventTime).toBe(T0 + 9);
    const { EventTime: _, ...withoutTime } = callback.body;
    expect(toEvent({ ...callback, body: withoutTime }).eventTime).toBe(callback.receivedAt);
    expect(toEvent({ ...callback, body: { ...callback.body, EventTime: 'soon' } }).eventTime).toBe(
      callback.receivedAt,
    );
  });

  it('reads the category from the catalogue and a sample of the message', () => {
    const { failure } = failureEvent({ code: 10150, text: 'x'.repeat(500), at: T0 });
    expect(failure).toMatchObject({ category: 'content_blocked', known: true, errorCode: 10150 });
    expect(failure.sample).toEqual({ msgType: 'TIMTextElem', text: 'x'.repeat(200) });
    expect(failureEvent({ code: 12345, at: T0 }).failure).toMatchObject({ category: 'other', known: false });
  });

  it('treats other commands, and failures missing their key fields, as traffic only', () => {
    expect(toEvent(otherCallback('State.StateChange', T0)).failure).toBeUndefined();
    const callback = failureCallback({ code: 10017, at: T0 });
    const { GroupId: _, ...noGroup } = callback.body;
    expect(toEvent({ ...callback, body: noGroup }).failure).toBeUndefined();
  });
});
