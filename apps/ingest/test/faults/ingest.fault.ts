import { connect } from 'node:net';
import { sampleQuery, startRedisServer, type TestRedisServer } from '@imwatch/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  checkExactlyOnce,
  IngestProcess,
  jobsByCallback,
  LoadRecord,
  requireBuiltApps,
  sendLoad,
  Workspace,
  waitUntilDrained,
} from './harness.js';

const TOTAL = 5000;
const CONCURRENCY = 50;

let redis: TestRedisServer;
let workspace: Workspace;
let ingest: IngestProcess;

beforeAll(() => requireBuiltApps());

beforeEach(async () => {
  redis = await startRedisServer({ appendOnly: true });
  workspace = new Workspace();
  ingest = await IngestProcess.start(workspace, redis.url);
});

afterEach(async () => {
  if (ingest.child.exitCode === null && ingest.child.signalCode === null) await ingest.kill('SIGKILL');
  await redis.destroy();
  workspace.remove();
});

/** One line per figure, for the report (vitest prints it with the test's output). */
const report = (figures: Record<string, unknown>) =>
  console.log(`[fault figures] ${JSON.stringify(figures)}`);

/** Every callback the ingest acked is in Redis, and none twice (against the test's own record). */
async function expectEachAckedCallbackOnce(record: LoadRecord) {
  const result = checkExactlyOnce(record, await jobsByCallback(redis.url, workspace));
  expect(result.missing).toEqual([]);
  expect(result.duplicated).toEqual([]);
}

describe('fault: the ingest under load', () => {
  it('acks every callback through a Redis kill and restart, and each acked one lands exactly once', async () => {
    const record = new LoadRecord();
    let downAt = 0;
    let upAt = 0;
    let depthAtRestart = 0;
    let drainMs = 0;
    await sendLoad({
      total: TOTAL,
      concurrency: CONCURRENCY,
      target: () => ingest,
      record,
      pauses: [
        {
          afterDone: 1500,
          run: async () => {
            await redis.stop('SIGKILL');
            downAt = Date.now();
          },
        },
        {
          afterDone: 3500,
          run: async () => {
            depthAtRestart = (await ingest.readyz())?.spool?.depth ?? -1;
            await redis.restart();
            upAt = Date.now();
            // The load waits here, so this is the replayer's own pace.
            drainMs = await waitUntilDrained(ingest);
          },
        },
      ],
    });
    await waitUntilDrained(ingest);
    const ackedWhileDown = record.ackTimes.filter((t) => t >= downAt && t <= upAt).length;
    report({
      test: 'redis-kill',
      acked: record.acked.size,
      refused: record.refused.size,
      failed: record.failed.size,
      redisDownMs: upAt - downAt,
      ackedWhileRedisDown: ackedWhileDown,
      ackRatePerSecondWhileDown: Math.round((ackedWhileDown / (upAt - downAt)) * 1000),
      spoolDepthAtRestart: depthAtRestart,
      drainMs,
      drainPerSecond: Math.round((depthAtRestart / drainMs) * 1000),
    });

    await expectEachAckedCallbackOnce(record);
    // Redis being away is no reason to refuse: the spool acks everything.
    expect(record.acked.size).toBe(TOTAL);
    expect(ackedWhileDown).toBeGreaterThan(1000);
  });

  it('keeps every acked callback through an ingest SIGKILL while Redis is down', async () => {
    const record = new LoadRecord();
    let exit: Awaited<IngestProcess['exited']> | undefined;
    let depthBeforeKill = 0;
    let recoveredDepth = 0;
    await sendLoad({
      total: TOTAL,
      concurrency: CONCURRENCY,
      target: () => ingest,
      record,
      pauses: [
        { afterDone: 1000, run: () => redis.stop('SIGKILL') },
        {
          afterDone: 2500,
          run: async () => {
            depthBeforeKill = (await ingest.readyz())?.spool?.depth ?? -1;
            // Requests are in flight: the kill lands mid-append for some of them.
            exit = await ingest.kill('SIGKILL');
            ingest = await IngestProcess.start(workspace, redis.url, ingest.port);
            recoveredDepth = (await ingest.readyz())?.spool?.depth ?? -1;
          },
        },
        { afterDone: 3500, run: () => redis.restart() },
      ],
    });
    await waitUntilDrained(ingest);
    report({
      test: 'ingest-sigkill',
      acked: record.acked.size,
      failed: record.failed.size,
      depthBeforeKill,
      recoveredDepth,
    });
    expect(exit?.signal).toBe('SIGKILL');
    expect(recoveredDepth).toBeGreaterThanOrEqual(depthBeforeKill);

    await expectEachAckedCallbackOnce(record);
    expect(record.acked.size).toBeGreaterThan(TOTAL - 2 * CONCURRENCY);
  });

  it('finishes the requests in flight on SIGTERM and loses none of the acked ones', async () => {
    const record = new LoadRecord();
    let exit: Awaited<IngestProcess['exited']> | undefined;
    let ackedAtSigterm = 0;
    await sendLoad({
      total: TOTAL,
      concurrency: CONCURRENCY,
      target: () => ingest,
      record,
      pauses: [
        { afterDone: 1000, run: () => redis.stop('SIGKILL') },
        {
          afterDone: 2000,
          run: async () => {
            ackedAtSigterm = record.acked.size;
            exit = await ingest.kill('SIGTERM');
            ingest = await IngestProcess.start(workspace, redis.url, ingest.port);
          },
        },
        { afterDone: 3000, run: () => redis.restart() },
      ],
    });
    await waitUntilDrained(ingest);
    report({ test: 'ingest-sigterm', acked: record.acked.size, failed: record.failed.size, ackedAtSigterm });
    expect(exit).toEqual({ code: 0, signal: null });

    await expectEachAckedCallbackOnce(record);
    expect(record.acked.size).toBeGreaterThan(TOTAL - 2 * CONCURRENCY);
  });

  it('exits at once with code 1 on a second signal while a slow request holds the first shutdown', async () => {
    const socket = connect(ingest.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.on('error', () => {});
    // A request whose body never finishes: the graceful close would wait up to 10 s for it.
    socket.write(
      `POST /callback?${sampleQuery('Group.CallbackSendMsgException')} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{`,
    );
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the server read the headers
    ingest.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ingest.child.exitCode).toBeNull(); // still draining
    expect(await ingest.kill('SIGTERM')).toEqual({ code: 1, signal: null });
    socket.destroy();
  });
});
