import { describe, expect, it } from 'vitest';
import { ACK, ACK_JSON, failEnvelope } from './answer.js';
import { callbackId } from './callback-id.js';
import { canonicalJson } from './canonical-json.js';
import { isBeforeCallback } from './commands.js';
import { categorize, errorCatalogue } from './error-codes.js';
import { readCallbackQuery } from './query.js';

describe('error-code catalogue', () => {
  it.each([
    [10017, 'muted'],
    [10023, 'rate_limited'],
    [10006, 'rate_limited'],
    [80001, 'content_blocked'],
    [10016, 'content_blocked'],
    [10100, 'content_blocked'],
    [10200, 'content_blocked'],
    [10010, 'invalid_request'],
    [93000, 'invalid_request'],
    [10002, 'other'],
  ])('puts %i into %s', (code, category) => {
    expect(categorize(code)).toMatchObject({ category, known: true });
  });

  it('puts unknown codes into other, marked unknown', () => {
    expect(categorize(12345)).toMatchObject({ category: 'other', known: false });
    expect(categorize(10201)).toMatchObject({ category: 'other', known: false });
  });

  it('shares its answers frozen, so no caller can change what the next one gets', () => {
    const first = categorize(10017);
    expect(() => {
      (first as { category: string }).category = 'other';
    }).toThrow(TypeError);
    expect(categorize(10017).category).toBe('muted');
    expect(Object.isFrozen(categorize(10150))).toBe(true);
    expect(Object.isFrozen(categorize(12345))).toBe(true);
  });

  it('gives every listed code a meaning', () => {
    for (const entry of errorCatalogue()) expect(entry.meaning.length).toBeGreaterThan(5);
  });
});

describe('callback URL query', () => {
  it('reads SdkAppid whatever its case and keeps OptPlatform free', () => {
    const q = readCallbackQuery(
      '/callback?SdkAppId=1400000000&CallbackCommand=State.StateChange&contenttype=JSON&OptPlatform=IOS&ClientIP=',
    );
    expect(q).toMatchObject({
      sdkAppId: '1400000000',
      callbackCommand: 'State.StateChange',
      contentType: 'JSON',
      optPlatform: 'IOS',
    });
    expect(q.clientIp).toBeUndefined();
    expect(readCallbackQuery('/callback?sdkappid=7').sdkAppId).toBe('7');
  });

  it('takes the first of repeated names and decodes values', () => {
    const q = readCallbackQuery('/cb?SdkAppid=1&SdkAppid=2&ClientIP=%3A%3A1');
    expect(q.sdkAppId).toBe('1');
    expect(q.clientIp).toBe('::1');
  });
});

describe('callback query, read by hand', () => {
  /** What URLSearchParams makes of the query, under the same rules: the oracle for the fast path. */
  function viaSearchParams(query: string) {
    const read: Record<string, string> = {};
    const names: Record<string, string> = {
      sdkappid: 'sdkAppId',
      callbackcommand: 'callbackCommand',
      contenttype: 'contentType',
      clientip: 'clientIp',
      optplatform: 'optPlatform',
      sign: 'sign',
      requesttime: 'requestTime',
    };
    for (const [name, value] of new URLSearchParams(query)) {
      const key = Object.hasOwn(names, name.toLowerCase()) ? names[name.toLowerCase()] : undefined;
      if (key && read[key] === undefined && value !== '') read[key] = value;
    }
    return read;
  }

  const defined = (query: object) =>
    Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));

  it.each([
    'SdkAppid=1400000000&CallbackCommand=Group.CallbackSendMsgException&contenttype=json&ClientIP=1.2.3.4&OptPlatform=RESTAPI',
    'SdkAppid=1&Sign=abc&RequestTime=1700000000',
    '&&SdkAppid=1&&',
    'SdkAppid&ClientIP=&OptPlatform=Web',
    'Sign&SdkAppid=7',
    'SdkAppid=1=2&CallbackCommand==x',
    'sdkappid=3&SDKAPPID=4',
    'ClientIP=%3A%3A1&OptPlatform=a+b',
    'ClientIP=%zz&Sign=%E4%BD%A0',
    '=&=x&SdkAppid=9',
    '__proto__=1&constructor=2&SdkAppid=5',
    '',
  ])('reads %j as URLSearchParams does', (query) => {
    expect(defined(readCallbackQuery(`/callback?${query}#frag&SdkAppid=0`))).toEqual(viaSearchParams(query));
  });

  it('adds nothing but the known names', () => {
    expect(Object.keys(readCallbackQuery('/c?__proto__=1&constructor=2&toString=3')).sort()).toEqual([
      'callbackCommand',
      'clientIp',
      'contentType',
      'optPlatform',
      'requestTime',
      'sdkAppId',
      'sign',
    ]);
  });
});

describe('answers', () => {
  it('serializes the ack exactly as the protocol documents', () => {
    expect(ACK_JSON).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}');
    expect(JSON.parse(ACK_JSON)).toEqual(ACK);
    expect(failEnvelope(4031, 'x')).toEqual({ ActionStatus: 'FAIL', ErrorCode: 4031, ErrorInfo: 'x' });
  });

  it('recognises before-event callbacks', () => {
    expect(isBeforeCallback('Group.CallbackBeforeSendMsg')).toBe(true);
    expect(isBeforeCallback('Sns.CallbackPrevFriendAdd')).toBe(true);
    expect(isBeforeCallback('Group.CallbackSendMsgException')).toBe(false);
  });
});

describe('callback id', () => {
  it('is the same for the same body whatever its key order', () => {
    const a = callbackId('1400000000', 'X.Y', { b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'z' } });
    const b = callbackId('1400000000', 'X.Y', { a: { c: 'z', d: [1, { x: 1, y: 2 }] }, b: 1 });
    expect(a).toBe(b);
    expect(a).toMatch(/^cb-[0-9a-f]{32}$/);
  });

  it('differs by app, command and content', () => {
    const base = callbackId('1', 'X.Y', { a: 1 });
    expect(callbackId('2', 'X.Y', { a: 1 })).not.toBe(base);
    expect(callbackId('1', 'X.Z', { a: 1 })).not.toBe(base);
    expect(callbackId('1', 'X.Y', { a: 2 })).not.toBe(base);
    expect(callbackId('1', 'X.Y', { a: [1, 2] })).not.toBe(callbackId('1', 'X.Y', { a: [2, 1] }));
  });

  it('writes canonical JSON that parses back to the same value', () => {
    const value = { z: [1, 'two', null, true], a: { __proto__x: 1, 'quote"': 'é\n' } };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });
});
