import { createHash } from 'node:crypto';
import { SAMPLE_APP_ID, SIGN_EXAMPLE, sampleBody, sampleQuery, sampleText } from '@imwatch/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestIngest, SIGNED_APP_ID, SIGNED_APP_TOKEN, type TestIngest } from './ingest.test-helpers.js';

const COMMAND = 'Group.CallbackSendMsgException';
const SEED = 'send-msg-exception.seed';

/** The spec's scheme, written here from PROTOCOL.md: hex SHA-256 of token then RequestTime. */
function specSign(token: string, requestTime: string): string {
  return createHash('sha256')
    .update(token + requestTime)
    .digest('hex');
}

function signedQuery(sign: string | undefined, requestTime: string | undefined): string {
  const params = new URLSearchParams({
    SdkAppid: SIGNED_APP_ID,
    CallbackCommand: COMMAND,
    contenttype: 'json',
    ClientIP: '127.0.0.1',
    OptPlatform: 'RESTAPI',
  });
  if (sign !== undefined) params.set('Sign', sign);
  if (requestTime !== undefined) params.set('RequestTime', requestTime);
  return params.toString();
}

let ingest: TestIngest;
beforeEach(async () => {
  ingest = await createTestIngest();
});
afterEach(async () => {
  await ingest.close();
});

/** Asserts the FAIL envelope, that nothing was enqueued, and returns the recorded rejection. */
async function expectRejected(res: Response, status: number, info: RegExp) {
  expect(res.status).toBe(status);
  const envelope = (await res.json()) as Record<string, unknown>;
  expect(Object.keys(envelope).sort()).toEqual(['ActionStatus', 'ErrorCode', 'ErrorInfo']);
  expect(envelope.ActionStatus).toBe('FAIL');
  expect(envelope.ErrorCode).not.toBe(0);
  expect(typeof envelope.ErrorCode).toBe('number');
  expect(envelope.ErrorInfo).toMatch(info);
  await ingest.moved();
  expect(await ingest.queue.count()).toBe(0);
  const records = await ingest.rejections();
  expect(records).toHaveLength(1);
  return { envelope, record: records[0] as Record<string, string> };
}

describe('POST /callback, refused', () => {
  it('refuses a missing or unknown SdkAppid with 403 and records who sent what', async () => {
    const query = sampleQuery(COMMAND).replace(`SdkAppid=${SAMPLE_APP_ID}`, 'SdkAppid=1499999999');
    const { record } = await expectRejected(await ingest.post(query, sampleText(SEED)), 403, /1499999999/);
    expect(record).toMatchObject({ reason: 'UNKNOWN_APP', appId: '1499999999', command: COMMAND });
    expect(Number(record.at)).toBe(ingest.clock.now);
  });

  it('reads SdkAppid case-insensitively, as Tencent spells it several ways', async () => {
    const query = sampleQuery(COMMAND).replace('SdkAppid=', 'SDKAppID=');
    expect((await ingest.post(query, sampleText(SEED))).status).toBe(200);
  });

  it('refuses a query without any SdkAppid', async () => {
    await expectRejected(await ingest.post('CallbackCommand=X', '{}'), 403, /SdkAppid/);
  });

  describe('signature of an app with a callback token', () => {
    it("accepts the spec's worked example", async () => {
      expect(SIGNED_APP_TOKEN).toBe(SIGN_EXAMPLE.token);
      ingest.clock.now = Number(SIGN_EXAMPLE.requestTime) * 1000 + 5_000;
      const res = await ingest.post(
        signedQuery(SIGN_EXAMPLE.sign, SIGN_EXAMPLE.requestTime),
        sampleText(SEED),
      );
      expect(res.status).toBe(200);
      await ingest.moved();
      expect(await ingest.queue.count()).toBe(1);
    });

    it('accepts a fresh signature computed the documented way, in upper case too', async () => {
      const time = String(Math.floor(ingest.clock.now / 1000));
      const sign = specSign(SIGNED_APP_TOKEN, time).toUpperCase();
      expect((await ingest.post(signedQuery(sign, time), sampleText(SEED))).status).toBe(200);
    });

    it('refuses a wrong signature with 401', async () => {
      const time = String(Math.floor(ingest.clock.now / 1000));
      const sign = specSign('another-token', time);
      const { record } = await expectRejected(
        await ingest.post(signedQuery(sign, time), sampleText(SEED)),
        401,
        /Sign/,
      );
      expect(record.reason).toBe('BAD_SIGNATURE');
    });

    it('refuses a stale RequestTime even with a correct signature (replay window)', async () => {
      const time = String(
        Math.floor(ingest.clock.now / 1000) - ingest.config.ingest.signatureMaxSkewSeconds - 5,
      );
      const { record } = await expectRejected(
        await ingest.post(signedQuery(specSign(SIGNED_APP_TOKEN, time), time), sampleText(SEED)),
        401,
        /RequestTime/,
      );
      expect(record.reason).toBe('STALE_SIGNATURE');
    });

    it('refuses a missing Sign or RequestTime', async () => {
      const time = String(Math.floor(ingest.clock.now / 1000));
      await expectRejected(await ingest.post(signedQuery(undefined, time), sampleText(SEED)), 401, /Sign/);
    });

    it('never echoes the token in the answer or the record', async () => {
      const time = String(Math.floor(ingest.clock.now / 1000));
      const res = await ingest.post(signedQuery('00', time), sampleText(SEED));
      const text = await res.text();
      expect(text).not.toContain(SIGNED_APP_TOKEN);
      expect(JSON.stringify(await ingest.rejections())).not.toContain(SIGNED_APP_TOKEN);
    });
  });

  it('refuses a body over the limit with 413', async () => {
    const big = JSON.stringify({
      ...sampleBody(SEED),
      Padding: 'x'.repeat(ingest.config.ingest.maxBodyBytes),
    });
    const { record } = await expectRejected(await ingest.post(sampleQuery(COMMAND), big), 413, /larger than/);
    expect(record.reason).toBe('BODY_TOO_LARGE');
  });

  it('refuses invalid JSON with 400 and keeps a truncated copy of what was sent', async () => {
    const sent = `{"CallbackCommand":"${COMMAND}", ${'"x":1,'.repeat(100)}`;
    const { record } = await expectRejected(
      await ingest.post(sampleQuery(COMMAND), sent),
      400,
      /not valid JSON/,
    );
    expect(record.reason).toBe('INVALID_JSON');
    expect(record.body).toBe(sent.slice(0, 100)); // rejectedBodyBytes of the test config
    expect(Number(record.bodyBytes)).toBe(Buffer.byteLength(sent));
  });

  it('refuses a body that is not an object', async () => {
    await expectRejected(await ingest.post(sampleQuery(COMMAND), '[1,2]'), 400, /object/);
  });

  it('refuses a URL command that differs from the body command', async () => {
    const { record } = await expectRejected(
      await ingest.post(sampleQuery('State.StateChange'), sampleText(SEED)),
      400,
      /State\.StateChange/,
    );
    expect(record.reason).toBe('COMMAND_MISMATCH');
  });

  it('names the zod path of a bad field in ErrorInfo', async () => {
    const body = { ...sampleBody(SEED), GroupId: 42 };
    const { envelope } = await expectRejected(
      await ingest.post(sampleQuery(COMMAND), JSON.stringify(body)),
      400,
      /GroupId/,
    );
    expect(envelope.ErrorInfo).toMatch(/string/);
  });

  it('refuses a SendMsgException without ErrorCode', async () => {
    const { ErrorCode: _dropped, ...body } = sampleBody(SEED);
    await expectRejected(await ingest.post(sampleQuery(COMMAND), JSON.stringify(body)), 400, /ErrorCode/);
  });

  it('answers 503 with the envelope when the queue cannot take the callback', async () => {
    const failing = await createTestIngest({
      enqueuer: () => ({
        enqueue: async () => {
          throw new Error('connection is closed');
        },
      }),
    });
    try {
      const res = await failing.postSample(SEED);
      expect(res.status).toBe(503);
      const envelope = (await res.json()) as { ActionStatus: string; ErrorInfo: string };
      expect(envelope.ActionStatus).toBe('FAIL');
      expect(envelope.ErrorInfo).toMatch(/retry later/);
      expect((await failing.rejections())[0]?.reason).toBe('QUEUE_UNAVAILABLE');
    } finally {
      await failing.close();
    }
  });
});
