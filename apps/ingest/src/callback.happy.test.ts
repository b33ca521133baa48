import { ACK, callbackId } from '@imwatch/protocol';
import { SAMPLE_APP_ID, sampleBody, sampleQuery, sampleText } from '@imwatch/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CALLBACKS_QUEUE, createTestIngest, type TestIngest } from './ingest.test-helpers.js';

let ingest: TestIngest;
beforeEach(async () => {
  ingest = await createTestIngest();
});
afterEach(async () => {
  await ingest.close();
});

describe('POST /callback, accepted', () => {
  it("acks the spec's sample and stores it as one readable job", async () => {
    ingest.clock.now = 1_700_000_000_000;
    const res = await ingest.postSample('send-msg-exception.seed');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}');

    await ingest.moved();
    const jobs = await ingest.queue.getJobs(['waiting']);
    expect(jobs).toHaveLength(1);
    const expectedId = callbackId(
      SAMPLE_APP_ID,
      'Group.CallbackSendMsgException',
      sampleBody('send-msg-exception.seed'),
    );
    expect(jobs[0]?.id).toBe(expectedId);
    expect(jobs[0]?.name).toBe('Group.CallbackSendMsgException');

    // What an operator sees with `redis-cli HGETALL <prefix>:callbacks:<id>`.
    const hash = await ingest.redis.hgetall(`${ingest.prefix}:${CALLBACKS_QUEUE}:${expectedId}`);
    expect(hash.name).toBe('Group.CallbackSendMsgException');
    expect(JSON.parse(hash.data ?? '')).toEqual({
      callbackId: expectedId,
      appId: SAMPLE_APP_ID,
      command: 'Group.CallbackSendMsgException',
      platform: 'RESTAPI',
      clientIp: '127.0.0.1',
      receivedAt: 1_700_000_000_000,
      body: sampleBody('send-msg-exception.seed'),
    });
  });

  it('keeps unknown fields and element types in the job', async () => {
    expect((await ingest.postSample('send-msg-exception.rich-body')).status).toBe(200);
    await ingest.moved();
    const [job] = await ingest.queue.getJobs(['waiting']);
    expect(job?.data.body).toEqual(sampleBody('send-msg-exception.rich-body'));
  });

  it('stores the body exactly as it was sent, spacing and key order included', async () => {
    const body = sampleBody('send-msg-exception.muted');
    const text = JSON.stringify(Object.fromEntries(Object.entries(body).reverse()), null, 2);
    expect((await ingest.post(sampleQuery('Group.CallbackSendMsgException'), text)).status).toBe(200);
    const id = callbackId(SAMPLE_APP_ID, 'Group.CallbackSendMsgException', body);
    await ingest.moved();
    const data = await ingest.redis.hget(`${ingest.prefix}:${CALLBACKS_QUEUE}:${id}`, 'data');
    expect(data?.endsWith(`"body":${text}}`)).toBe(true);
    const [job] = await ingest.queue.getJobs(['waiting']);
    expect(job?.data.body).toEqual(body);
  });

  it('enqueues a callback Tencent sends twice only once, even with other key order', async () => {
    const body = sampleBody('send-msg-exception.muted');
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const query = sampleQuery('Group.CallbackSendMsgException');
    expect((await ingest.post(query, JSON.stringify(body))).status).toBe(200);
    expect((await ingest.post(query, JSON.stringify(reordered))).status).toBe(200);
    await ingest.moved();
    expect(await ingest.queue.getJobCountByTypes('waiting', 'active', 'completed')).toBe(1);
  });

  it('keeps the dedup key for the configured window, not forever', async () => {
    await ingest.postSample('send-msg-exception.muted');
    await ingest.moved();
    const [job] = await ingest.queue.getJobs(['waiting']);
    const ttl = await ingest.redis.pttl(`${ingest.prefix}:${CALLBACKS_QUEUE}:de:${job?.id}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(ingest.config.ingest.dedupWindowSeconds * 1000);
  });

  it('accepts other and unknown commands on the same URL under their own job names', async () => {
    expect((await ingest.postSample('state-state-change', { OptPlatform: 'IOS' })).status).toBe(200);
    const before = await ingest.postSample('group-before-send-msg');
    expect(before.status).toBe(200);
    expect(await before.json()).toEqual(ACK); // "allow"
    const unknown = await ingest.post(
      sampleQuery('Future.CallbackSomething'),
      '{"CallbackCommand":"Future.CallbackSomething","X":1}',
    );
    expect(unknown.status).toBe(200);
    await ingest.moved();
    const names = (await ingest.queue.getJobs(['waiting'])).map((job) => job.name).sort();
    expect(names).toEqual(['Future.CallbackSomething', 'Group.CallbackBeforeSendMsg', 'State.StateChange']);
    const state = (await ingest.queue.getJobs(['waiting'])).find((job) => job.name === 'State.StateChange');
    expect(state?.data.platform).toBe('IOS');
  });

  it('takes the command from the URL when the body has none, and parses JSON whatever the content type', async () => {
    const res = await ingest.post(sampleQuery('State.StateChange'), '{"Info":{"Action":"Login"}}', {
      'content-type': 'text/plain',
    });
    expect(res.status).toBe(200);
    await ingest.moved();
    const [job] = await ingest.queue.getJobs(['waiting']);
    expect(job?.name).toBe('State.StateChange');
  });

  it('turns 1,000 concurrent posts into 1,000 jobs', async () => {
    const base = sampleBody('send-msg-exception.seed');
    const query = sampleQuery('Group.CallbackSendMsgException');
    const responses = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => ingest.post(query, JSON.stringify({ ...base, Random: i }))),
    );
    expect(responses.every((res) => res.status === 200)).toBe(true);
    await ingest.moved();
    expect(await ingest.queue.getJobCountByTypes('waiting')).toBe(1000);
    // Each job holds its own body: batches never pair a job with another request's text.
    const jobs = await ingest.queue.getJobs(['waiting'], 0, 999);
    expect(jobs).toHaveLength(1000);
    for (const job of jobs) {
      expect(job.id).toBe(callbackId(SAMPLE_APP_ID, 'Group.CallbackSendMsgException', job.data.body));
    }
    expect(new Set(jobs.map((job) => job.data.body.Random)).size).toBe(1000);
  });

  it('answers the health endpoints', async () => {
    expect((await ingest.app.request('/healthz')).status).toBe(200);
    const ready = await ingest.app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', redis: 'up' });
  });
});

describe('POST /callback, what the ack stands for', () => {
  it('answers once the callback is stored on the intake list, before any worker moved it', async () => {
    const alone = await createTestIngest({ mover: false });
    try {
      const res = await alone.postSample('send-msg-exception.seed');
      expect(res.status).toBe(200);
      const batches = await alone.storedBatches();
      expect(batches).toHaveLength(1);
      const expectedId = callbackId(
        SAMPLE_APP_ID,
        'Group.CallbackSendMsgException',
        sampleBody('send-msg-exception.seed'),
      );
      const [stored] = batches[0] ?? [];
      expect(stored?.slice(0, 2)).toEqual([expectedId, 'Group.CallbackSendMsgException']);
      expect(JSON.parse(stored?.[2] ?? '').body).toEqual(sampleBody('send-msg-exception.seed'));
      expect(await alone.queue.count()).toBe(0);
    } finally {
      await alone.close();
    }
  });
});

describe('sample text', () => {
  it('is the fixture exactly', () => {
    expect(JSON.parse(sampleText('send-msg-exception.seed')).ErrorCode).toBe(10023);
  });
});
