import { parseConfig } from '@imwatch/config';
import { createSinks } from '@imwatch/notify';
import { createNotificationQueue, createRedis } from '@imwatch/queue';
import { sampleAlert, testRedisUrl, uniquePrefix } from '@imwatch/testing';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeliver } from './deliver.js';
import { capturingLogger, loggedAlerts } from './worker.test-helpers.js';

let connection: Redis;
let prefix: string;
const closers: (() => Promise<unknown>)[] = [];

beforeEach(() => {
  prefix = uniquePrefix('deliver');
  connection = createRedis(testRedisUrl(), 'worker');
  closers.push(() => connection.quit());
});
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers.length = 0;
});

/** Sinks from a config's `sinks:` section, their log lines captured, and the real queue. */
function setup(sinksYaml: string) {
  const { logger, lines } = capturingLogger();
  const config = parseConfig({}, `apps: [{ sdkAppId: 1400000000 }]\n${sinksYaml}`);
  const sinks = createSinks(config.sinks, { logger });
  const notifications = createNotificationQueue(connection, prefix);
  closers.push(() => notifications.close());
  const jobIds = async () =>
    (await notifications.getJobs(['wait', 'delayed', 'active', 'completed'])).map((job) => job.id).sort();
  return { deliver: createDeliver(notifications, sinks), lines, jobIds };
}

describe('createDeliver', () => {
  it('writes a fresh alert to the log sink in place and queues one job for a webhook', async () => {
    const { deliver, lines, jobIds } = setup(
      'sinks:\n  hook: { type: webhook, url: "http://127.0.0.1:9/x" }',
    );
    const alert = sampleAlert(1);
    expect(await deliver(alert, ['log', 'hook'], true)).toBe(true); // in this process's log
    expect(loggedAlerts(lines)).toEqual([alert.id]);
    expect(await jobIds()).toEqual([`${alert.id}.hook`]);
  });

  it('writes nothing twice when the same alert comes back from another job of its callback', async () => {
    const { deliver, lines, jobIds } = setup(
      'sinks:\n  hook: { type: webhook, url: "http://127.0.0.1:9/x" }',
    );
    const alert = sampleAlert(2);
    await deliver(alert, ['log', 'hook'], true);
    expect(await deliver(alert, ['log', 'hook'], false)).toBe(false);
    expect(await deliver(alert, ['log', 'hook'], false)).toBe(false);
    expect(loggedAlerts(lines)).toHaveLength(1);
    expect(await jobIds()).toEqual([`${alert.id}.hook`]);
  });

  it('queues a log sink that has rate limits, so its limits and digest still apply', async () => {
    const { deliver, lines, jobIds } = setup('sinks:\n  log: { type: log, rateLimit: { perMinute: 5 } }');
    const alert = sampleAlert(3);
    expect(await deliver(alert, ['log'], true)).toBe(false);
    expect(loggedAlerts(lines)).toHaveLength(0);
    expect(await jobIds()).toEqual([`${alert.id}.log`]);
  });
});
