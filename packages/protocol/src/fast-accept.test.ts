import { sampleBody, sampleNames } from '@imwatch/testing';
import { describe, expect, it } from 'vitest';
import { surelyValidSendMsgException } from './fast-accept.js';
import { sendMsgExceptionSchema } from './send-msg-exception.js';

const samples = sampleNames.filter((name) => name.startsWith('send-msg-exception')).map(sampleBody);

// Values every field gets in turn: the edges of each rule of the schema, and wrong types.
const VALUES: unknown[] = [
  undefined,
  null,
  true,
  0,
  1,
  -1,
  1.5,
  2,
  4_294_967_295,
  4_294_967_296,
  2 ** 53,
  2 ** 53 - 1,
  1e21,
  Number.NaN,
  '',
  'x',
  '0',
  '123',
  '-1',
  '1.5',
  '4294967295',
  '4294967296',
  '12345678901',
  '9007199254740991',
  '9007199254740993',
  '9999999999999999',
  '00000000000000001',
  '1e3',
  ' 1',
  [],
  {},
  [{}],
  { Text: 'a' },
];
const ELEMENTS: unknown[] = [
  { MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } },
  { MsgType: 'TIMTextElem', MsgContent: { Text: 1 } },
  { MsgType: 'TIMTextElem', MsgContent: {} },
  { MsgType: 'TIMTextElem', MsgContent: [] },
  { MsgType: 'TIMTextElem', MsgContent: null },
  { MsgType: 'TIMTextElem' },
  { MsgType: '', MsgContent: {} },
  { MsgType: 1, MsgContent: {} },
  { MsgType: 'TIMLocationElem', MsgContent: { Latitude: 'x', Longitude: 1 } },
  { MsgType: 'TIMLocationElem', MsgContent: { Latitude: 1, Longitude: 1 } },
  { MsgType: 'TIMFutureElem', MsgContent: { Anything: [1] } },
  { MsgType: 'MyOwnElem', MsgContent: { Anything: [1] } },
  { MsgType: 'constructor', MsgContent: {} },
  { MsgType: '__proto__', MsgContent: {} },
  [],
  null,
  'TIMTextElem',
];

function* variants(): Generator<Record<string, unknown>> {
  for (const base of samples) {
    yield base;
    for (const field of [...Object.keys(base), 'TopicId', 'Type', 'Operator_Account']) {
      for (const value of VALUES) {
        const body: Record<string, unknown> = { ...base };
        if (value === undefined) delete body[field];
        else body[field] = value;
        yield body;
      }
    }
    for (const element of ELEMENTS) {
      yield { ...base, MsgBody: [element] };
      yield { ...base, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'ok' } }, element] };
    }
  }
}

describe('surelyValidSendMsgException', () => {
  it('never accepts a body the schema refuses', () => {
    let accepted = 0;
    let checked = 0;
    for (const body of variants()) {
      checked++;
      if (!surelyValidSendMsgException(body)) continue;
      accepted++;
      const result = sendMsgExceptionSchema.safeParse(body);
      expect(result.success, `accepted by hand, refused by zod: ${JSON.stringify(body)}`).toBe(true);
    }
    // The variants reach both sides: many are accepted by hand, many are left to zod.
    expect(checked).toBeGreaterThan(2000);
    expect(accepted).toBeGreaterThan(checked / 10);
    expect(accepted).toBeLessThan(checked);
  });

  it('accepts the everyday samples by hand, so zod is skipped for them', () => {
    for (const name of [
      'send-msg-exception.seed',
      'send-msg-exception.muted',
      'send-msg-exception.content-blocked',
    ]) {
      expect(surelyValidSendMsgException(sampleBody(name)), name).toBe(true);
    }
  });
});
