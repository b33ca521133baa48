import { once } from 'node:events';
import { startRedisServer, type TestRedisServer } from '@imwatch/testing';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { watchRedisOutages } from './redis-outage.js';

let server: TestRedisServer | undefined;
let redis: Redis | undefined;

afterEach(async () => {
  redis?.disconnect();
  await server?.destroy();
  redis = undefined;
  server = undefined;
});

/** Polls `condition` for up to 10 s (bounded; a failure to get there fails the test). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!condition()) throw new Error('condition not reached within 10 s');
}

describe('watchRedisOutages', () => {
  it('warns once per outage, stays at debug while retrying, and says when Redis is back', async () => {
    server = await startRedisServer({ appendOnly: true });
    const lines: { level: number; msg: string; redis?: string; outageMs?: number; source?: string }[] = [];
    const logger = createLogger('outage-test', 'debug', {
      write: (line: string) => lines.push(JSON.parse(line)),
    });
    let clock = 1_000;
    const client = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 20 });
    redis = client;
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));
    const secretUrl = server.url.replace('redis://', 'redis://default:s3cret@');
    const onError = watchRedisOutages(client, logger, { url: secretUrl, now: () => clock });
    // A BullMQ Queue on this connection re-emits each of its errors: the second listener.
    client.on('error', (error) => onError(error, 'queue'));
    if (client.status !== 'ready') await once(client, 'ready');

    clock = 5_000;
    await server.stop();
    await until(() => errors.length >= 4);
    clock = 12_000;
    await server.restart();
    await until(() => client.status === 'ready');

    const warns = lines.filter((line) => line.level === 40);
    expect(warns).toHaveLength(1);
    expect(warns[0]?.redis).toContain(`:${server.port}`);
    expect(JSON.stringify(lines)).not.toContain('s3cret');
    // Every other error, from both listeners, went to debug.
    expect(lines.filter((line) => line.level === 20)).toHaveLength(errors.length * 2 - 1);
    expect(lines.filter((line) => line.level === 30)).toEqual([
      expect.objectContaining({ msg: 'redis connection restored', outageMs: 12_000 - 5_000 }),
    ]);

    // The next outage is news again.
    await server.stop();
    await until(() => lines.filter((line) => line.level === 40).length === 2);
    expect(lines.filter((line) => line.level >= 40)).toHaveLength(2);
  });

  it('keeps warning about errors that are not an outage', async () => {
    server = await startRedisServer();
    const lines: { level: number; msg: string }[] = [];
    const logger = createLogger('outage-test', 'debug', {
      write: (line: string) => lines.push(JSON.parse(line)),
    });
    const client = new Redis(server.url, { maxRetriesPerRequest: null });
    redis = client;
    const onError = watchRedisOutages(client, logger, { url: server.url });
    if (client.status !== 'ready') await once(client, 'ready');
    // E.g. a BullMQ queue's own failure while the connection is fine: not silenced.
    onError(new Error('Missing key for job 1'), 'queue');
    onError(new Error('Missing key for job 2'), 'queue');
    // Another connection's outage: `client` stays ready, so nothing would end a quiet period.
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    onError(refused, 'callback worker');
    onError(refused, 'callback worker');
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [40, 'redis error'],
      [40, 'redis error'],
      [40, 'redis error'],
      [40, 'redis error'],
    ]);
  });
});
