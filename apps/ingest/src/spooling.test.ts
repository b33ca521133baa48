import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CallbackJob, createRedis } from '@imwatch/queue';
import { createLogger } from '@imwatch/runtime';
import { Spool } from '@imwatch/spool';
import { sampleBody, sampleQuery, startRedisServer, type TestRedisServer } from '@imwatch/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createQueueEnqueuer } from './enqueuer.js';
import { createTestIngest, type TestIngest } from './ingest.test-helpers.js';
import { type SpoolReplayer, startSpoolReplayer } from './spool-replayer.js';
import { createSpoolingEnqueuer, type SpoolingEnqueuer } from './spooling-enqueuer.js';

const logger = createLogger('spooling-test', 'silent');
const COMMAND = 'Group.CallbackSendMsgException';
const base = sampleBody('send-msg-exception.seed') as Record<string, unknown>;
/** Callback number `n`: a distinct body, so a distinct callback id. */
const callbackText = (n: number) => JSON.stringify({ ...base, Random: n });

let server: TestRedisServer;
let dir: string;
let spool: Spool<CallbackJob>;
let ingest: TestIngest;
let spooling: SpoolingEnqueuer;
let replayer: SpoolReplayer | undefined;

async function setup(options: { maxBytes?: number; timeoutMs?: number } = {}) {
  spool = await Spool.open<CallbackJob>({ dir, maxBytes: options.maxBytes ?? 10_000_000 });
  ingest = await createTestIngest({
    redisUrl: server.url,
    spool,
    enqueuer: (queue) => {
      spooling = createSpoolingEnqueuer({
        inner: createQueueEnqueuer(queue, 600_000),
        spool,
        timeoutMs: options.timeoutMs ?? 300,
        logger,
      });
      return spooling;
    },
  });
}

const post = (n: number) => ingest.post(sampleQuery(COMMAND), callbackText(n));

/** The `Random` of every job in the queue: an independent view of which callbacks Redis holds. */
async function randomsInQueue(): Promise<number[]> {
  await ingest.moved();
  const jobs = await ingest.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
  return jobs.map((job) => job.data.body.Random as number).sort((a, b) => a - b);
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

beforeEach(async () => {
  server = await startRedisServer({ appendOnly: true });
  dir = mkdtempSync(join(tmpdir(), 'imwatch-ingest-spool-'));
});

afterEach(async () => {
  await replayer?.stop();
  replayer = undefined;
  await ingest?.close();
  await spool?.close();
  await server.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('the spooling enqueuer', () => {
  it('acks from the spool while Redis is down and replays each callback once when it is back', async () => {
    await setup();
    for (const n of range(0, 30)) expect((await post(n)).status).toBe(200);
    expect(spool.depth).toBe(0);

    await server.stop();
    const during = await Promise.all(range(30, 130).map(post));
    expect(during.map((res) => res.status)).toEqual(range(30, 130).map(() => 200));
    expect(await during[0]?.json()).toEqual({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
    expect(spool.depth).toBe(100);
    expect(spooling.stats).toEqual({ enqueued: 30, spooled: 100, refused: 0 });

    const ready = await ingest.app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'degraded', redis: 'down', spool: { depth: 100 } });

    await server.restart();
    replayer = startSpoolReplayer({ spool, inner: createQueueEnqueuer(ingest.queue, 600_000), logger });
    await until(() => spool.depth === 0, 'the spool to drain');
    expect(await randomsInQueue()).toEqual(range(0, 130));
    expect(await (await ingest.app.request('/readyz')).json()).toMatchObject({ status: 'ready' });

    // Tencent sending a spooled callback again changes nothing.
    expect((await post(77)).status).toBe(200);
    expect(await randomsInQueue()).toEqual(range(0, 130));
  });

  it('spools a callback whose enqueue outlasts the timeout, and the late add plus the replay make one job', async () => {
    await setup({ timeoutMs: 100 });
    const admin = createRedis(server.url, 'worker');
    admin.on('error', () => {});
    // Redis stays up but runs no write for 1.5 s: every add hangs past the timeout, then lands.
    await admin.call('CLIENT', 'PAUSE', '1500', 'WRITE');
    const responses = await Promise.all(range(0, 20).map(post));
    expect(responses.map((res) => res.status)).toEqual(range(0, 20).map(() => 200));
    expect(spool.depth).toBe(20);
    await admin.call('CLIENT', 'UNPAUSE');
    await admin.quit();

    replayer = startSpoolReplayer({ spool, inner: createQueueEnqueuer(ingest.queue, 600_000), logger });
    await until(() => spool.depth === 0, 'the spool to drain');
    expect(await randomsInQueue()).toEqual(range(0, 20));
  });

  it('answers 503 with the FAIL envelope and counts it when Redis is down and the spool is full', async () => {
    await setup({ maxBytes: 4096 });
    await server.stop();
    const statuses: number[] = [];
    for (const n of range(0, 20)) {
      const res = await post(n);
      statuses.push(res.status);
      if (res.status === 503) {
        expect(await res.json()).toEqual({
          ActionStatus: 'FAIL',
          ErrorCode: 5030,
          ErrorInfo: expect.stringContaining('retry later'),
        });
      }
    }
    const acked = statuses.filter((status) => status === 200).length;
    expect(acked).toBeGreaterThan(0);
    expect(statuses).toEqual([...Array(acked).fill(200), ...Array(20 - acked).fill(503)]);
    expect(spool.depth).toBe(acked);
    expect(spooling.stats.refused).toBe(20 - acked);
    const ready = await ingest.app.request('/readyz');
    expect(ready.status).toBe(503);

    await server.restart();
    replayer = startSpoolReplayer({ spool, inner: createQueueEnqueuer(ingest.queue, 600_000), logger });
    await until(() => spool.depth === 0, 'the spool to drain');
    expect(await randomsInQueue()).toEqual(range(0, acked));
  });
});

describe('a Redis that hangs', () => {
  it('does not hang refusals, acks or /readyz', async () => {
    await setup({ timeoutMs: 200 });
    const admin = createRedis(server.url, 'worker');
    admin.on('error', () => {});
    // Every command from every client waits 60 s, past the test timeout: any hang fails the test.
    await admin.call('CLIENT', 'PAUSE', '60000', 'ALL');
    try {
      const refused = await ingest.post(sampleQuery(COMMAND), '{not json');
      expect(refused.status).toBe(400);
      expect((await post(1)).status).toBe(200);
      const ready = await ingest.app.request('/readyz');
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'degraded', redis: 'down', spool: { depth: 1 } });
    } finally {
      // UNPAUSE would itself wait for the pause on Redis 7.0: end this server instead.
      admin.disconnect();
      await server.stop('SIGKILL');
    }
  });
});
