import { createHash, timingSafeEqual } from 'node:crypto';

/** Tencent's callback signature: lowercase hex SHA-256 of token + RequestTime (not an HMAC). */
export function computeSign(token: string, requestTime: string): string {
  return createHash('sha256')
    .update(token + requestTime)
    .digest('hex');
}

export type SignCheck =
  | { ok: true }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch'; message: string };

export interface SignInput {
  token: string;
  sign: string | undefined;
  requestTime: string | undefined;
  nowMs: number;
  /** Largest allowed distance between RequestTime and now, in seconds (Tencent: 60). */
  maxSkewSeconds: number;
}

/** Verifies Sign/RequestTime in constant time and rejects replays outside the skew window. */
export function verifySign({ token, sign, requestTime, nowMs, maxSkewSeconds }: SignInput): SignCheck {
  if (!sign || !requestTime) {
    return { ok: false, reason: 'missing', message: 'Sign and RequestTime are required for this SdkAppid' };
  }
  if (!/^\d{1,12}$/.test(requestTime)) {
    return { ok: false, reason: 'malformed', message: 'RequestTime must be unix seconds' };
  }
  if (!/^[0-9a-fA-F]{64}$/.test(sign)) {
    return { ok: false, reason: 'malformed', message: 'Sign must be 64 hex characters' };
  }
  const skew = Math.abs(nowMs / 1000 - Number(requestTime));
  if (skew > maxSkewSeconds) {
    return {
      ok: false,
      reason: 'stale',
      message: `RequestTime is ${Math.round(skew)} s away from now (allowed: ${maxSkewSeconds} s)`,
    };
  }
  const expected = Buffer.from(computeSign(token, requestTime), 'hex');
  const given = Buffer.from(sign, 'hex');
  if (!timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'mismatch', message: 'Sign does not match: check the callback token' };
  }
  return { ok: true };
}
