import { digestJobId, listFailedDeliveries, notifyKeys, retryFailedDeliveries } from '@imwatch/notify';
import { enqueueDeliveries } from '@imwatch/queue';
import { type FakeService, sampleAlert, startFakeService, uniquePrefix } from '@imwatch/testing';
import type { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './notification-worker.test-helpers.js';

let service: FakeService;
let harness: Harness;
afterEach(async () => {
  await harness?.close();
  await service?.close();
});

/** Runs a delayed job now; a job that already left the delayed state needs no push. */
async function promote(job: Job | undefined) {
  if (job && (await job.getState()) === 'delayed') await job.promote().catch(() => {});
}

/** The alert numbers a message's text names ("… (alert 7)"). */
const alertNumbers = (content: string) =>
  [...content.matchAll(/\(alert (\d+)\)/g)].map((match) => Number(match[1]));

describe('rate limit and digest', () => {
  it('sends 20 of 30 alerts to a 20/min robot at once and the other 10 as one digest a minute later', async () => {
    const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
    let clock = T0;
    service = await startFakeService(() => ({ body: '{"errcode":0,"errmsg":"ok"}' }));
    const prefix = uniquePrefix('digest');
    // Two workers with their own connections: the limit is shared through Redis, not per process.
    harness = startHarness({
      prefix,
      workers: 2,
      now: () => clock,
      sinksYaml: `  ops: { type: wecom, webhookUrl: "${service.url}/cgi-bin/webhook/send?key=k" }`,
    });
    for (let n = 0; n < 30; n++) await enqueueDeliveries(harness.queue, sampleAlert(n), ['ops']);

    await expect.poll(() => harness.queue.getCompletedCount(), { timeout: 15_000 }).toBe(30);
    expect(service.requests).toHaveLength(20);
    const digest = await harness.queue.getJob(digestJobId('ops', 0));
    expect(await digest?.getState()).toBe('delayed');
    // It waits for the window: a minute after the first sends, not sooner.
    expect((digest?.opts.delay ?? 0) + (digest?.timestamp ?? 0)).toBeGreaterThan(Date.now() + 50_000);
    expect(Number(await harness.redis.get(notifyKeys(prefix, 'ops').digestTotal))).toBe(10);

    // Run early (half a minute in), the digest claims its batch but waits for a slot: no message.
    clock = T0 + 30_000;
    await promote(digest);
    await expect
      .poll(
        async () => {
          const job = await harness.queue.getJob(digestJobId('ops', 0));
          return job?.data && 'batch' in job.data && (await job.getState()) === 'delayed';
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    expect(service.requests).toHaveLength(20);

    // A minute passes on the injected clock; promoting the delayed job stands in for the wait.
    clock = T0 + 61_000;
    await promote(digest);
    await expect.poll(() => service.requests.length, { timeout: 15_000 }).toBe(21);
    await expect.poll(() => harness.queue.getCompletedCount(), { timeout: 15_000 }).toBe(31);

    const contents = service.requests.map((request) => JSON.parse(request.body).text.content as string);
    const singles = contents.slice(0, 20).flatMap(alertNumbers);
    const digestText = contents[20] ?? '';
    const inDigest = alertNumbers(digestText);
    expect(
      digestText.startsWith('imwatch: 10 more alerts\n10 more alerts (held back by the rate limit):'),
    ).toBe(true);
    expect(digestText).toContain('By rule: rate-limited-group ×10');
    expect(singles).toHaveLength(20);
    expect(inDigest).toHaveLength(10);
    // Every alert accounted for exactly once: alone or in the digest, never both, never missing.
    expect([...singles, ...inDigest].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, n) => n));

    expect(await harness.queue.getDelayedCount()).toBe(0);
    expect(await harness.queue.getWaitingCount()).toBe(0);
    expect(await harness.queue.getFailedCount()).toBe(0);
    const keys = notifyKeys(prefix, 'ops');
    expect(await harness.redis.exists(keys.digestEntries, keys.digestTotal, keys.claimedTotal(0))).toBe(0);
  });

  it('holds alerts over a per-second limit too, and a later burst gets a new digest', async () => {
    const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
    let clock = T0;
    service = await startFakeService(() => ({ body: 'ok' }));
    const prefix = uniquePrefix('digest');
    harness = startHarness({
      prefix,
      now: () => clock,
      sinksYaml: `  chat: { type: slack, webhookUrl: "${service.url}/services/x" }`,
    });
    for (let n = 0; n < 3; n++) await enqueueDeliveries(harness.queue, sampleAlert(n), ['chat']);
    await expect.poll(() => harness.queue.getCompletedCount(), { timeout: 10_000 }).toBe(3);
    expect(service.requests).toHaveLength(1);

    clock = T0 + 1_500;
    await promote(await harness.queue.getJob(digestJobId('chat', 0)));
    await expect.poll(() => service.requests.length, { timeout: 10_000 }).toBe(2);

    // The next burst, in the same second as the digest, is held for generation 1.
    for (let n = 3; n < 5; n++) await enqueueDeliveries(harness.queue, sampleAlert(n), ['chat']);
    await expect.poll(() => harness.queue.getCompletedCount(), { timeout: 10_000 }).toBe(6);
    expect(service.requests).toHaveLength(2);
    clock = T0 + 3_000;
    await promote(await harness.queue.getJob(digestJobId('chat', 1)));
    await expect.poll(() => service.requests.length, { timeout: 10_000 }).toBe(3);

    const texts = service.requests.map((request) => JSON.parse(request.body).text as string);
    expect(texts.map(alertNumbers)).toEqual([[0], [1, 2], [3, 4]]);
    expect(texts[1]).toContain('2 more alerts');
  });

  it('keeps a digest the robot refused in the failed set with its alerts, and sends it on retry', async () => {
    const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
    let clock = T0;
    let refuse = false;
    service = await startFakeService(() => ({
      body: refuse ? '{"errcode":93000,"errmsg":"invalid webhook url"}' : '{"errcode":0,"errmsg":"ok"}',
    }));
    const prefix = uniquePrefix('digest');
    harness = startHarness({
      prefix,
      now: () => clock,
      sinksYaml: `  ops: { type: wecom, webhookUrl: "${service.url}/send?key=k", rateLimit: { perMinute: 2 } }`,
    });
    for (let n = 0; n < 5; n++) await enqueueDeliveries(harness.queue, sampleAlert(n), ['ops']);
    await expect.poll(() => harness.queue.getCompletedCount(), { timeout: 10_000 }).toBe(5);
    expect(service.requests).toHaveLength(2);

    refuse = true;
    clock = T0 + 60_000;
    await promote(await harness.queue.getJob(digestJobId('ops', 0)));
    await expect.poll(() => harness.queue.getFailedCount(), { timeout: 10_000 }).toBe(1);
    const { items } = await listFailedDeliveries(harness.queue, { sink: 'ops' });
    expect(items).toEqual([
      expect.objectContaining({ jobId: 'digest.ops.0', kind: 'digest', total: 3, attemptsMade: 1 }),
    ]);

    refuse = false;
    clock = T0 + 120_000;
    await retryFailedDeliveries(harness.queue, { jobIds: ['digest.ops.0'] });
    await expect.poll(() => harness.queue.getCompletedCount(), { timeout: 10_000 }).toBe(6);
    const last = JSON.parse(service.requests.at(-1)?.body ?? '{}').text.content as string;
    expect(alertNumbers(last)).toEqual([2, 3, 4]);
    expect(service.requests).toHaveLength(4);
  });
});
