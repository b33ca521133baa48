import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNotificationQueue, createRedis, enqueueDeliveries } from '@imwatch/queue';
import {
  type FakeService,
  sampleAlert,
  startFakeService,
  testRedisUrl,
  uniquePrefix,
} from '@imwatch/testing';
import { afterEach, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

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
    const dir = mkdtempSync(join(tmpdir(), 'imwatch-notify-'));
    const configPath = join(dir, 'imwatch.yaml');
    writeFileSync(
      configPath,
      [
        'apps: [{ sdkAppId: 1400000000 }]',
        'sinks:',
        `  hook: { type: webhook, url: "${service.url}/in", secret: "\${HOOK_SECRET}" }`,
      ].join('\n'),
    );
    const prefix = uniquePrefix('proc');
    child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        IMWATCH_CONFIG: configPath,
        REDIS_URL: testRedisUrl(),
        IMWATCH_PREFIX: prefix,
        LOG_LEVEL: 'warn',
        HOOK_SECRET: secret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));

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
    } finally {
      await queue.close();
      await redis.quit();
    }
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // The secret never reaches a log line.
    expect(output).not.toContain(secret.slice(6, 20));
  });
});
