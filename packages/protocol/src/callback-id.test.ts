import { createHash } from 'node:crypto';
import { sampleBody } from '@imwatch/testing';
import { describe, expect, it } from 'vitest';
import { callbackId } from './callback-id.js';
import { canonicalJson } from './canonical-json.js';

// Ids must never change between versions: a callback Tencent retries across an upgrade would
// otherwise be enqueued twice. The expected values are written out here, not computed by the code.
const SEED_CANONICAL =
  '{"CallbackCommand":"Group.CallbackSendMsgException","CloudCustomData":"your cloud custom data",' +
  '"ErrorCode":10023,"ErrorInfo":"msg count exceeds limit,please retry later","EventTime":"1670574414123",' +
  '"From_Account":"jared","GroupId":"@TGS#2J4SZEAEL","MsgBody":[{"MsgContent":{"Text":"red packet"},' +
  '"MsgType":"TIMTextElem"}],"OnlineOnlyFlag":1,"Operator_Account":"admin","Random":123456,"Type":"Public"}';

describe('callback id', () => {
  it('is the documented digest of app id, command and canonical body', () => {
    const body = sampleBody('send-msg-exception.seed');
    expect(canonicalJson(body)).toBe(SEED_CANONICAL);
    const expected = createHash('sha256')
      .update(`1400000000\nGroup.CallbackSendMsgException\n${SEED_CANONICAL}`)
      .digest('hex')
      .slice(0, 32);
    expect(callbackId('1400000000', 'Group.CallbackSendMsgException', body)).toBe(`cb-${expected}`);
    expect(expected).toBe('8fca34fc5c00a2cf71936bebe35d79fc');
  });

  it('quotes odd keys and values as JSON does, and drops undefined fields', () => {
    expect(canonicalJson({ b: [1, { d: null, c: 'x"y' }], a: undefined, é: 1.5, '\n': true })).toBe(
      '{"\\n":true,"b":[1,{"c":"x\\"y","d":null}],"é":1.5}',
    );
  });
});
