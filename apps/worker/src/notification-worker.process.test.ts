import type { ChildProcess } from 'node:child_process';
import { createNotificationQueue, createRedis, enqueueDeliveries } from '@imwatch/queue';
import {
  type FakeService,
  sampleAlert,
  startFakeService,
  testRedisUrl,
  uniquePrefix,
} from '@imwatch/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorkerProcess, writeConfigFile } from './worker.test-helpers.js';

let service: FakeService | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await service?.close();
});

describe('worker process', () => {
  it('delivers an alert to the sinks of its imwatch.yaml and stops cleanly on SIGTERM', async () => {
    service = await startFakeService(() => ({ status: 204, body: '' }));
    const secret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
    const configPath = writeConfigFile(
      [
        'apps: [{ sdkAppId: 1400000000 }]',
        'sinks:',
        `  hook: { type: webhook, url: "${service.url}/in", secret: "\${HOOK_SECRET}" }`,
      ].join('\n'),
    );
    const prefix = uniquePrefix('proc');
    const worker = startWorkerProcess(configPath, prefix, { HOOK_SECRET: secret });
    child = worker.child;

    const redis = createRedis(testRedisUrl(), 'worker');
    const queue = createNotificationQueue(redis, prefix);
    try {
      await enqueueDeliveries(queue, sampleAlert(5), ['hook']);
      await expect.poll(() => service?.requests.length, { timeout: 20_000 }).toBe(1);
      const [request] = service.requests;
      expect(request?.url).toBe('/in');
      expect(request?.headers['webhook-id']).toBe('al-000005.hook');
      expect(request?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(JSON.parse(request?.body ?? '')).toEqual(sampleAlert(5));
      await expect.poll(() => queue.getCompletedCount(), { timeout: 10_000 }).toBe(1);
      // The test Redis runs without persistence, so the worker warns at start as the ingest does.
      expect(await redis.call('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'no']);
      await expect.poll(() => worker.output(), { timeout: 10_000 }).toContain('REDIS RISKS DATA LOSS');
    } finally {
      await queue.close();
      await redis.quit();
    }
    child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    // The secret never reaches a log line.
    expect(worker.output()).not.toContain(secret.slice(6, 20));
  });

  it('delivers an alert whose worker was killed mid-request once the job is taken back', async () => {
    // The first request never gets an answer: the worker is killed while waiting for it.
    service = await startFakeService((_request, index) =>
      index === 0 ? { hang: true } : { status: 200, body: '' },
    );
    const configPath = writeConfigFile(
      [
        'apps: [{ sdkAppId: 1400000000 }]',
        'worker: { lockDurationMs: 1000, stalledIntervalMs: 500 }',
        'sinks:',
        `  hook: { type: webhook, url: "${service.url}/in", timeoutMs: 60000 }`,
      ].join('\n'),
    );
    const prefix = uniquePrefix('kill');
    const first = startWorkerProcess(configPath, prefix);
    child = first.child;
    const redis = createRedis(testRedisUrl(), 'worker');
    const queue = createNotificationQueue(redis, prefix);
    try {
      await enqueueDeliveries(queue, sampleAlert(9), ['hook']);
      await expect.poll(() => service?.requests.length, { timeout: 20_000 }).toBe(1);
      first.child.kill('SIGKILL');
      await first.exited;
      expect(await queue.getActiveCount()).toBe(1);

      const second = startWorkerProcess(configPath, prefix);
      child = second.child;
      await expect.poll(() => queue.getCompletedCount(), { timeout: 30_000 }).toBe(1);
      // Nothing lost: the alert reached the service again after the crash, with the same id.
      expect(service.requests).toHaveLength(2);
      expect(service.requests.map((request) => request.headers['webhook-id'])).toEqual([
        'al-000009.hook',
        'al-000009.hook',
      ]);
      expect(await queue.getFailedCount()).toBe(0);
    } finally {
      await queue.close();
      await redis.quit();
    }
  });
});
