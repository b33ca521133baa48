import { describe, expect, it } from 'vitest';
import { checkCallbackJob } from './callback-job-check.js';
import { callbackJobSchema } from './catalog.js';

const valid = {
  callbackId: `cb-${'ab12'.repeat(8)}`,
  appId: '1400000000',
  command: 'Group.CallbackSendMsgException',
  platform: 'Web',
  clientIp: '10.0.0.1',
  receivedAt: 1_700_000_000_000,
  body: { CallbackCommand: 'Group.CallbackSendMsgException', Random: 7 },
};

// Each case changes one field; zod is the oracle the fast check must agree with.
const variants: Record<string, unknown> = {
  valid,
  'without optional fields': { ...valid, platform: undefined, clientIp: undefined },
  'optional fields absent': (({ platform, clientIp, ...rest }) => rest)(valid),
  'extra top-level key': { ...valid, extra: 1 },
  'upper-case id': { ...valid, callbackId: `cb-${'AB12'.repeat(8)}` },
  'short id': { ...valid, callbackId: 'cb-123' },
  'numeric id': { ...valid, callbackId: 1 },
  'empty appId': { ...valid, appId: '' },
  'missing command': { ...valid, command: undefined },
  'numeric platform': { ...valid, platform: 3 },
  'null clientIp': { ...valid, clientIp: null },
  'fractional receivedAt': { ...valid, receivedAt: 1.5 },
  'negative receivedAt': { ...valid, receivedAt: -1 },
  'string receivedAt': { ...valid, receivedAt: '1' },
  'huge receivedAt': { ...valid, receivedAt: 2 ** 60 },
  'array body': { ...valid, body: [] },
  'null body': { ...valid, body: null },
  'string body': { ...valid, body: 'x' },
  'null-prototype body': { ...valid, body: Object.assign(Object.create(null), { a: 1 }) },
  'array data': [valid],
  'null data': null,
  'string data': 'nonsense',
  nonsense: { nonsense: true },
};

describe('checkCallbackJob', () => {
  for (const [name, data] of Object.entries(variants)) {
    it(`agrees with callbackJobSchema: ${name}`, () => {
      const oracle = callbackJobSchema.safeParse(data);
      const checked = checkCallbackJob(data);
      expect(checked.ok).toBe(oracle.success);
      if (checked.ok && oracle.success) expect(checked.job).toEqual(oracle.data);
      if (!checked.ok && !oracle.success) expect(checked.error).toBe(oracle.error.issues[0]?.message);
    });
  }

  it('accepts valid data and rejects the rest (independent of zod)', () => {
    expect(checkCallbackJob(valid).ok).toBe(true);
    expect(checkCallbackJob({ ...valid, receivedAt: -1 }).ok).toBe(false);
    expect(checkCallbackJob({ ...valid, body: [] }).ok).toBe(false);
    expect(checkCallbackJob({ nonsense: true }).ok).toBe(false);
  });
});
