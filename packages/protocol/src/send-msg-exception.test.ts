import { sampleBody, sampleNames } from '@imwatch/testing';
import { describe, expect, it } from 'vitest';
import { sendMsgExceptionSchema } from './send-msg-exception.js';
import { checkCallbackBody } from './validate.js';

const exceptionSamples = sampleNames.filter((name) => name.startsWith('send-msg-exception'));

describe('Group.CallbackSendMsgException body', () => {
  it.each(exceptionSamples)('accepts the sample %s', (name) => {
    expect(sendMsgExceptionSchema.safeParse(sampleBody(name)).success).toBe(true);
  });

  it('reads EventTime given as a string or a number to the same milliseconds', () => {
    const fromString = sendMsgExceptionSchema.parse(sampleBody('send-msg-exception.seed'));
    const fromNumber = sendMsgExceptionSchema.parse({
      ...sampleBody('send-msg-exception.seed'),
      EventTime: 1670574414123,
    });
    expect(fromString.EventTime).toBe(1670574414123);
    expect(fromNumber.EventTime).toBe(1670574414123);
  });

  it('keeps Random at the unsigned 32-bit maximum and refuses one past it', () => {
    expect(sendMsgExceptionSchema.parse(sampleBody('send-msg-exception.muted')).Random).toBe(4294967295);
    const over = { ...sampleBody('send-msg-exception.muted'), Random: 4294967296 };
    expect(sendMsgExceptionSchema.safeParse(over).success).toBe(false);
    expect(sendMsgExceptionSchema.safeParse({ ...over, Random: -1 }).success).toBe(false);
  });

  it('keeps unknown top-level fields and unknown element types untouched', () => {
    const parsed = sendMsgExceptionSchema.parse(sampleBody('send-msg-exception.rich-body'));
    expect(parsed.SomeFutureField).toEqual({ nested: [1, 2, 3] });
    expect(parsed.TopicId).toBe('@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_TestTopic');
    expect(parsed.MsgBody?.at(-1)).toEqual({
      MsgType: 'TIMSomethingNewElem',
      MsgContent: { Whatever: true },
    });
    expect(parsed.MsgBody?.[2]?.MsgContent).toMatchObject({
      ImageInfoArray: [{ URL: 'https://example.com/i.jpg' }],
    });
  });

  it('accepts a body without the optional CloudCustomData, OnlineOnlyFlag and Operator_Account', () => {
    const { CloudCustomData, OnlineOnlyFlag, Operator_Account, ...rest } =
      sampleBody('send-msg-exception.seed');
    expect(sendMsgExceptionSchema.safeParse(rest).success).toBe(true);
  });

  it.each([
    ['GroupId', { GroupId: undefined }, 'GroupId'],
    ['GroupId as a number', { GroupId: 42 }, 'GroupId'],
    ['From_Account', { From_Account: undefined }, 'From_Account'],
    ['ErrorCode', { ErrorCode: undefined }, 'ErrorCode'],
    ['ErrorCode as a string', { ErrorCode: '10023' }, 'ErrorCode'],
    [
      'a text element without Text',
      { MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: {} }] },
      'MsgBody.0.MsgContent.Text',
    ],
    ['EventTime that is not a time', { EventTime: 'yesterday' }, 'EventTime'],
  ])('rejects a body with a missing or wrong %s and names the path', (_label, change, path) => {
    const result = checkCallbackBody({ ...sampleBody('send-msg-exception.seed'), ...change }, undefined);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe('INVALID_BODY');
      expect(result.message).toContain(path);
    }
  });
});

describe('checkCallbackBody', () => {
  it('accepts any other command as a generic envelope', () => {
    expect(checkCallbackBody(sampleBody('state-state-change'), 'State.StateChange')).toEqual({
      ok: true,
      command: 'State.StateChange',
    });
    expect(checkCallbackBody({ Foo: 1 }, 'Some.UnknownCommand')).toEqual({
      ok: true,
      command: 'Some.UnknownCommand',
    });
  });

  it('refuses a URL command that differs from the body', () => {
    expect(checkCallbackBody(sampleBody('send-msg-exception.seed'), 'State.StateChange')).toMatchObject({
      reason: 'COMMAND_MISMATCH',
    });
  });

  it('refuses arrays, primitives and a body with no command anywhere', () => {
    expect(checkCallbackBody([], undefined)).toMatchObject({ reason: 'NOT_AN_OBJECT' });
    expect(checkCallbackBody('x', undefined)).toMatchObject({ reason: 'NOT_AN_OBJECT' });
    expect(checkCallbackBody(null, undefined)).toMatchObject({ reason: 'NOT_AN_OBJECT' });
    expect(checkCallbackBody({ GroupId: 'x' }, undefined)).toMatchObject({ reason: 'MISSING_COMMAND' });
    expect(checkCallbackBody({}, '../etc')).toMatchObject({ reason: 'INVALID_BODY' });
  });
});
