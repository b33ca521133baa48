import { listFailedDeliveries, retryFailedDeliveries } from '@imwatch/notify';
import { enqueueDeliveries } from '@imwatch/queue';
import { type FakeService, sampleAlert, startFakeService, uniquePrefix } from '@imwatch/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './notification-worker.test-helpers.js';

let service: FakeService;
let harness: Harness;
afterEach(async () => {
  await harness?.close();
  await service?.close();
});

const OK = { body: '{"errcode":0,"errmsg":"ok"}' };

describe('notification worker retries', () => {
  it('retries a 500 until the service takes it, then stops', async () => {
    service = await startFakeService((_request, index) => (index < 2 ? { status: 500, body: 'oops' } : OK));
    harness = startHarness({
      prefix: uniquePrefix('n'),
      sinksYaml: `  hook: { type: webhook, url: "${service.url}/h" }`,
    });
    await enqueueDeliveries(harness.queue, sampleAlert(1), ['hook']);
    await expect.poll(() => harness.queue.getCompletedCount(), { timeout: 10_000 }).toBe(1);
    expect(service.requests).toHaveLength(3);
    expect(new Set(service.requests.map((request) => request.body)).size).toBe(1);
    // Every attempt carries the same webhook-id, so the receiver can drop repeats.
    expect(new Set(service.requests.map((request) => request.headers['webhook-id']))).toEqual(
      new Set(['al-000001.hook']),
    );
    expect(await harness.queue.getFailedCount()).toBe(0);
  });

  it('waits out a 429 Retry-After before the next attempt', async () => {
    const seenAt: number[] = [];
    service = await startFakeService((_request, index) => {
      seenAt.push(Date.now());
      return index === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' } : OK;
    });
    harness = startHarness({
      prefix: uniquePrefix('n'),
      sinksYaml: `  hook: { type: webhook, url: "${service.url}/h" }`,
    });
    await enqueueDeliveries(harness.queue, sampleAlert(1), ['hook']);
    await expect.poll(() => harness.queue.getCompletedCount(), { timeout: 10_000 }).toBe(1);
    expect(service.requests).toHaveLength(2);
    // The backoff in this test is 10 ms: a gap of a second can only come from Retry-After.
    expect((seenAt[1] ?? 0) - (seenAt[0] ?? 0)).toBeGreaterThanOrEqual(990);
  });

  it('retries after a timeout', async () => {
    service = await startFakeService((_request, index) => (index === 0 ? { hang: true } : OK));
    harness = startHarness({
      prefix: uniquePrefix('n'),
      sinksYaml: `  hook: { type: webhook, url: "${service.url}/h", timeoutMs: 200 }`,
    });
    await enqueueDeliveries(harness.queue, sampleAlert(1), ['hook']);
    await expect.poll(() => harness.queue.getCompletedCount(), { timeout: 10_000 }).toBe(1);
    expect(service.requests).toHaveLength(2);
  });

  it('does not retry a 400; the failure is listed and can be retried once fixed', async () => {
    service = await startFakeService(() => ({ status: 400, body: 'bad payload' }));
    harness = startHarness({
      prefix: uniquePrefix('n'),
      sinksYaml: `  hook: { type: webhook, url: "${service.url}/h" }\n  other: { type: webhook, url: "${service.url}/o" }`,
    });
    await enqueueDeliveries(harness.queue, sampleAlert(1), ['hook', 'other']);
    await expect.poll(() => harness.queue.getFailedCount(), { timeout: 10_000 }).toBe(2);
    expect(service.requests).toHaveLength(2);

    const listed = await listFailedDeliveries(harness.queue, { sink: 'hook' });
    expect(listed.total).toBe(1);
    expect(listed.items).toEqual([
      expect.objectContaining({
        jobId: 'al-000001.hook',
        kind: 'deliver',
        sink: 'hook',
        alertId: 'al-000001',
        attemptsMade: 1,
        failedReason: 'webhook hook answered HTTP 400: bad payload',
      }),
    ]);
    expect((await listFailedDeliveries(harness.queue)).total).toBe(2);

    service.answerWith(() => OK);
    expect(await retryFailedDeliveries(harness.queue, { sink: 'hook' })).toEqual({
      retried: ['al-000001.hook'],
      missing: [],
    });
    await expect.poll(() => harness.queue.getCompletedCount(), { timeout: 10_000 }).toBe(1);
    expect(service.requests.map((request) => request.url)).toEqual(['/h', '/o', '/h']);
    // Only the sink that failed was repeated; the other failure is still waiting for an operator.
    expect((await listFailedDeliveries(harness.queue)).items.map((item) => item.jobId)).toEqual([
      'al-000001.other',
    ]);
    expect(await retryFailedDeliveries(harness.queue, { jobIds: ['al-000001.hook', 'nope'] })).toEqual({
      retried: [],
      missing: ['al-000001.hook', 'nope'],
    });
  });

  it('keeps a delivery in the failed set once its attempts are used up', async () => {
    service = await startFakeService(() => ({ status: 503, body: 'down' }));
    harness = startHarness({
      prefix: uniquePrefix('n'),
      attempts: 3,
      sinksYaml: `  hook: { type: webhook, url: "${service.url}/h" }`,
    });
    await enqueueDeliveries(harness.queue, sampleAlert(1), ['hook']);
    await expect.poll(() => harness.queue.getFailedCount(), { timeout: 10_000 }).toBe(1);
    expect(service.requests).toHaveLength(3);
    const [failed] = (await listFailedDeliveries(harness.queue)).items;
    expect(failed).toMatchObject({ jobId: 'al-000001.hook', attemptsMade: 3 });
  });

  it('fails on a robot error code in a 200 answer, and retries a robot rate-limit code', async () => {
    service = await startFakeService((request) => {
      if (request.url.startsWith('/bad')) return { body: '{"errcode":93000,"errmsg":"invalid webhook url"}' };
      return service.requests.filter((r) => r.url.startsWith('/busy')).length === 1
        ? { body: '{"errcode":45009,"errmsg":"api freq out of limit"}' }
        : OK;
    });
    harness = startHarness({
      prefix: uniquePrefix('n'),
      sinksYaml: `  bad: { type: wecom, webhookUrl: "${service.url}/bad?key=k" }\n  busy: { type: wecom, webhookUrl: "${service.url}/busy?key=k" }`,
    });
    await enqueueDeliveries(harness.queue, sampleAlert(1), ['bad', 'busy']);
    await expect.poll(() => harness.queue.getFailedCount(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => harness.queue.getCompletedCount(), { timeout: 10_000 }).toBe(1);
    expect(service.requests.filter((r) => r.url.startsWith('/bad'))).toHaveLength(1);
    expect(service.requests.filter((r) => r.url.startsWith('/busy'))).toHaveLength(2);
    const [failed] = (await listFailedDeliveries(harness.queue)).items;
    expect(failed?.failedReason).toBe('wecom bad error errcode 93000: invalid webhook url');
  });
});
