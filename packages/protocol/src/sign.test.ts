import { createHash } from 'node:crypto';
import { SIGN_EXAMPLE } from '@imwatch/testing';
import { describe, expect, it } from 'vitest';
import { computeSign, verifySign } from './sign.js';

const nowAt = (requestTime: string, offsetSeconds = 0) => (Number(requestTime) + offsetSeconds) * 1000;

describe('Tencent callback signature', () => {
  it("reproduces the docs' worked example", () => {
    expect(computeSign(SIGN_EXAMPLE.token, SIGN_EXAMPLE.requestTime)).toBe(SIGN_EXAMPLE.sign);
  });

  it('is SHA-256 of token then time, not of time then token', () => {
    const reversed = createHash('sha256')
      .update(SIGN_EXAMPLE.requestTime + SIGN_EXAMPLE.token)
      .digest('hex');
    expect(computeSign(SIGN_EXAMPLE.token, SIGN_EXAMPLE.requestTime)).not.toBe(reversed);
  });

  const base = { token: SIGN_EXAMPLE.token, maxSkewSeconds: 60 };

  it('accepts a valid signature within the skew window, upper-case hex included', () => {
    const input = { ...base, sign: SIGN_EXAMPLE.sign, requestTime: SIGN_EXAMPLE.requestTime };
    expect(verifySign({ ...input, nowMs: nowAt(SIGN_EXAMPLE.requestTime, 59) })).toEqual({ ok: true });
    expect(
      verifySign({
        ...input,
        sign: SIGN_EXAMPLE.sign.toUpperCase(),
        nowMs: nowAt(SIGN_EXAMPLE.requestTime, -59),
      }),
    ).toEqual({ ok: true });
  });

  it('rejects a signature made with another token', () => {
    const result = verifySign({
      ...base,
      sign: computeSign('xxxyyy', SIGN_EXAMPLE.requestTime),
      requestTime: SIGN_EXAMPLE.requestTime,
      nowMs: nowAt(SIGN_EXAMPLE.requestTime),
    });
    expect(result).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('rejects a request older or newer than the skew allows', () => {
    const input = { ...base, sign: SIGN_EXAMPLE.sign, requestTime: SIGN_EXAMPLE.requestTime };
    expect(verifySign({ ...input, nowMs: nowAt(SIGN_EXAMPLE.requestTime, 61) })).toMatchObject({
      reason: 'stale',
    });
    expect(verifySign({ ...input, nowMs: nowAt(SIGN_EXAMPLE.requestTime, -61) })).toMatchObject({
      reason: 'stale',
    });
  });

  it('rejects missing and malformed parameters without throwing', () => {
    const nowMs = nowAt(SIGN_EXAMPLE.requestTime);
    expect(
      verifySign({ ...base, sign: undefined, requestTime: SIGN_EXAMPLE.requestTime, nowMs }),
    ).toMatchObject({ reason: 'missing' });
    expect(verifySign({ ...base, sign: SIGN_EXAMPLE.sign, requestTime: undefined, nowMs })).toMatchObject({
      reason: 'missing',
    });
    expect(verifySign({ ...base, sign: 'abc', requestTime: SIGN_EXAMPLE.requestTime, nowMs })).toMatchObject({
      reason: 'malformed',
    });
    expect(verifySign({ ...base, sign: SIGN_EXAMPLE.sign, requestTime: '12e9', nowMs })).toMatchObject({
      reason: 'malformed',
    });
  });

  it('never puts the token into a message', () => {
    const result = verifySign({
      ...base,
      sign: '0'.repeat(64),
      requestTime: SIGN_EXAMPLE.requestTime,
      nowMs: nowAt(SIGN_EXAMPLE.requestTime),
    });
    expect(JSON.stringify(result)).not.toContain(SIGN_EXAMPLE.token);
  });
});
