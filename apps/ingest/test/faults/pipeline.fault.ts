import { createCallbackQueue, createRedis } from '@imwatch/queue';
import { startRedisServer, type TestRedisServer } from '@imwatch/testing';
import type { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  checkExactlyOnce,
  IngestProcess,
  jobsByCallback,
  LoadRecord,
  requireBuiltApps,
  sendLoad,
  WorkerProcess,
  Workspace,
  waitUntilDrained,
} from './harness.js';

const TOTAL = 5000;
const COMMAND = 'Group.CallbackSendMsgException';

let redis: TestRedisServer | undefined;
let workspace: Workspace | undefined;
const processes: (IngestProcess | WorkerProcess)[] = [];

beforeAll(() => requireBuiltApps());

afterEach(async () => {
  for (const p of processes)
    if (p.child.exitCode === null && p.child.signalCode === null) await p.kill('SIGKILL');
  processes.length = 0;
  await redis?.destroy();
  workspace?.remove();
});

/** Sum of the rules engine's (fine) traffic counters for the command: how many callbacks it counted. */
async function countedTraffic(client: Redis, prefix: string): Promise<number> {
  let total = 0;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:traffic:fine:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) total += Number((await client.hget(key, COMMAND)) ?? 0);
  } while (cursor !== '0');
  return total;
}

describe('fault: ingest, worker and Redis together', () => {
  it('counts every acked callback once through SIGTERMs of both apps and a Redis kill', async () => {
    redis = await startRedisServer({ appendOnly: true });
    const server = redis;
    const ws = new Workspace(
      [
        'queue:',
        '  keepCompleted: { count: 100000, ageSeconds: 3600 }',
        'worker:',
        '  concurrency: 20',
        '  lockDurationMs: 1500',
        '  stalledIntervalMs: 500',
        '  shutdownTimeoutMs: 10000',
      ].join('\n'),
    );
    workspace = ws;
    let ingest = await IngestProcess.start(ws, server.url);
    let worker = new WorkerProcess(ws, server.url);
    processes.push(ingest, worker);
    const exits: Record<string, unknown> = {};
    const restartWorker = async (label: string) => {
      exits[label] = await worker.kill('SIGTERM');
      worker = new WorkerProcess(ws, server.url);
      processes.push(worker);
    };

    const record = new LoadRecord();
    await sendLoad({
      total: TOTAL,
      concurrency: 50,
      target: () => ingest,
      record,
      pauses: [
        { afterDone: 1000, run: () => restartWorker('worker-1') },
        { afterDone: 1500, run: () => server.stop('SIGKILL') },
        {
          afterDone: 2500,
          run: async () => {
            exits.ingest = await ingest.kill('SIGTERM');
            ingest = await IngestProcess.start(ws, server.url, ingest.port);
            processes.push(ingest);
          },
        },
        { afterDone: 3000, run: () => server.restart() },
        { afterDone: 3500, run: () => restartWorker('worker-2') },
      ],
    });
    await waitUntilDrained(ingest);

    const client = createRedis(server.url, 'worker');
    client.on('error', () => {});
    const queue = createCallbackQueue(client, ws.prefix, {
      attempts: 1,
      backoffMs: 1,
      keepCompleted: { count: 1, ageSeconds: 1 },
      keepFailed: { count: 1, ageSeconds: 1 },
    });
    try {
      const jobs = await jobsByCallback(server.url, ws);
      const deadline = Date.now() + 120_000;
      while ((await queue.getCompletedCount()) + (await queue.getFailedCount()) < jobs.size) {
        if (Date.now() > deadline)
          throw new Error(`worker did not finish: ${JSON.stringify(await queue.getJobCounts())}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      console.log(
        `[fault figures] ${JSON.stringify({ test: 'pipeline', acked: record.acked.size, failed: record.failed.size, jobs: jobs.size, exits })}`,
      );
      expect(exits).toEqual({
        'worker-1': { code: 0, signal: null },
        ingest: { code: 0, signal: null },
        'worker-2': { code: 0, signal: null },
      });
      const result = checkExactlyOnce(record, jobs);
      expect(result.missing).toEqual([]);
      expect(result.duplicated).toEqual([]);
      expect(await queue.getFailedCount()).toBe(0);
      // The rules engine counted each callback in the queue once: none lost, none twice.
      expect(await countedTraffic(client, ws.prefix)).toBe(jobs.size);
    } finally {
      await queue.close();
      await client.quit();
    }
  });
});
