import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { categorize } from '@imwatch/protocol';
import {
  type Alert,
  type CallbackJob,
  createBatchStore,
  createCallbackQueue,
  createNotificationQueue,
  createRedis,
  imwatchKeys,
} from '@imwatch/queue';
import { testRedisUrl, uniquePrefix } from '@imwatch/testing';
import type { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  APP,
  configText,
  failureCallback,
  MINUTE,
  otherCallback,
  startWorkerProcess,
  T0,
  WORKER_MAIN,
  writeConfigFile,
} from './worker.test-helpers.js';

const APPS = [APP, '1400000001'];
const CODES = [10017, 10023, 10006, 80001, 10016, 10010, 10004, 10002, 99999];

let redis: Redis;
const children: ChildProcess[] = [];
const closers: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run npm run build first`);
});
afterEach(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  children.length = 0;
  for (const close of closers.reverse()) await close();
  closers.length = 0;
});

// The log sink at warn, so its lines pass LOG_LEVEL=warn and the test can read every alert.
const FAST = configText(`sinks:
  log: { type: log, level: warn }
queue:
  attempts: 8
  backoffMs: 100
  keepCompleted: { count: 100000, ageSeconds: 3600 }
worker:
  concurrency: 20
  lockDurationMs: 1500
  stalledIntervalMs: 500
`);

function startWorker(configPath: string, prefix: string) {
  const worker = startWorkerProcess(configPath, prefix);
  children.push(worker.child);
  return worker;
}

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
}

interface Workload {
  /** What is enqueued: job id and data, replays included. */
  jobs: { id: string; data: CallbackJob }[];
  /** The distinct callbacks, each to be counted once. */
  unique: CallbackJob[];
}

/** Mixed callbacks over 2 apps and 5 minutes; about 1 in 12 is enqueued again under another job id. */
function workload(total: number, seed: number, replays = true): Workload {
  const pick = random(seed);
  const jobs: Workload['jobs'] = [];
  const unique: CallbackJob[] = [];
  for (let i = 0; jobs.length < total; i++) {
    if (replays && unique.length > 10 && pick(12) === 0) {
      const again = unique[pick(unique.length)] as CallbackJob;
      jobs.push({ id: `replay-${i}`, data: again });
      continue;
    }
    const appId = APPS[pick(2)] as string;
    const at = T0 + pick(5 * MINUTE);
    let data: CallbackJob;
    if (pick(10) === 0) {
      data = otherCallback(pick(2) ? 'State.StateChange' : 'Vendor.CallbackUnknown', at, i, appId);
    } else {
      const code = CODES[pick(CODES.length)] as number;
      // Muted senders never hit the rate limit here, so no inhibition blurs the expected alerts.
      const sender = code === 10017 ? `m${pick(4)}` : `u${pick(8)}`;
      data = failureCallback({ appId, code, group: `@TGS#g${pick(4)}`, sender, at, random: i });
    }
    unique.push(data);
    jobs.push({ id: data.callbackId, data });
  }
  return { jobs, unique };
}

const windowOf = (at: number, width: number) => at - (at % width);
const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/** The ids of the alerts the log sink wrote, one entry per line, from the workers' output. */
function loggedAlertIds(output: string): string[] {
  const ids: string[] = [];
  for (const line of output.split('\n')) {
    if (!line.includes('"sink":"log"')) continue;
    try {
      const id = (JSON.parse(line) as { alert?: { id?: string } }).alert?.id;
      if (id) ids.push(id);
    } catch {
      // a line cut short by SIGKILL
    }
  }
  return ids;
}

/**
 * Checks every counter and alert against a tally of the distinct callbacks made here, and that
 * the log sink wrote every alert: once, or — after a crash (`crashed`) — at least once.
 */
async function expectExactEffects(
  prefix: string,
  unique: CallbackJob[],
  output: () => string,
  crashed = false,
) {
  const expected = new Map<string, Map<string, number>>();
  const tally = (key: string, field: string) => {
    const fields = expected.get(key) ?? new Map<string, number>();
    expected.set(key, fields);
    bump(fields, field);
  };
  const thresholds = new Map<string, number>();
  const alertKeys = new Map<string, number>();
  for (const cb of unique) {
    const at = Number(cb.body.EventTime);
    const win = windowOf(at, MINUTE);
    // Both counter tiers of the defaults: fine 1m windows and coarse 1h ones.
    const tiers = [
      ['fine', win],
      ['coarse', windowOf(at, 60 * MINUTE)],
    ] as const;
    for (const [tier, w] of tiers) tally(`${prefix}:traffic:${tier}:${cb.appId}:${w}`, cb.command);
    if (cb.command !== 'Group.CallbackSendMsgException') continue;
    const group = cb.body.GroupId as string;
    const sender = cb.body.From_Account as string;
    const code = cb.body.ErrorCode as number;
    const { category, known } = categorize(code);
    for (const [tier, w] of tiers) {
      tally(`${prefix}:counts:${tier}:${cb.appId}:${w}`, category);
      tally(`${prefix}:counts:${tier}:${cb.appId}:${category}:${w}:groups`, group);
      tally(`${prefix}:counts:${tier}:${cb.appId}:${category}:${w}:senders`, sender);
    }
    if (category === 'rate_limited') {
      bump(thresholds, `rate-limited-group ${cb.appId} g=${group} ${win}`);
      bump(thresholds, `rate-limited-sender ${cb.appId} s=${sender} ${win}`);
    }
    if (category === 'content_blocked')
      bump(thresholds, `content-blocked-sender ${cb.appId} s=${sender} ${windowOf(at, 60 * MINUTE)}`);
    if (category === 'invalid_request')
      bump(thresholds, `invalid-request ${cb.appId} g=${group} e=${code} ${windowOf(at, 5 * MINUTE)}`);
    if (category === 'muted') bump(alertKeys, `muted-sender:cooldown:${cb.appId}|${group}|${sender}`);
    if (!known) bump(alertKeys, `unknown-error-code:cooldown:${cb.appId}|${code}`);
  }

  for (const [key, fields] of expected) {
    expect(await redis.type(key)).toBe('hash');
    const actual = await redis.hgetall(key);
    expect({ key, counts: actual }).toEqual({
      key,
      counts: Object.fromEntries([...fields].map(([field, n]) => [field, String(n)])),
    });
  }
  const counterKeys = [
    ...(await redis.keys(`${prefix}:traffic:*`)),
    ...(await redis.keys(`${prefix}:counts:*`)),
  ].sort();
  expect(counterKeys).toEqual([...expected.keys()].sort());

  const alerts = (await redis.xrange(`${prefix}:alerts`, '-', '+')).map(
    ([, fields]) => JSON.parse(fields[5] ?? '{}') as Alert,
  );
  const thresholdLimits: Record<string, number> = {
    'rate-limited-group': 20,
    'rate-limited-sender': 10,
    'content-blocked-sender': 3,
    'invalid-request': 10,
  };
  const expectedFired = [...thresholds]
    .filter(([key, n]) => n >= (thresholdLimits[key.split(' ')[0] as string] ?? 0))
    .map(([key]) => key)
    .sort();
  const fired = alerts
    .filter((a) => a.kind === 'threshold')
    .map((a) =>
      [
        a.rule,
        a.appId,
        ...(a.groupId ? [`g=${a.groupId}`] : []),
        ...(a.sender ? [`s=${a.sender}`] : []),
        ...(a.rule === 'invalid-request' ? [`e=${a.errorCode}`] : []),
        a.window?.start,
      ].join(' '),
    )
    .sort();
  expect(expectedFired.length).toBeGreaterThan(5);
  expect(fired).toEqual(expectedFired);
  for (const a of alerts.filter((a) => a.kind === 'threshold')) expect(a.count).toBe(thresholdLimits[a.rule]);

  // Alert rules: every event is either an alert, a suppressed repeat reported by the next alert,
  // or a repeat still waiting in the cooldown state.
  const accounted = new Map<string, number>();
  for (const a of alerts.filter((a) => a.kind === 'alert')) {
    const key =
      a.rule === 'muted-sender' ? `${a.appId}|${a.groupId}|${a.sender}` : `${a.appId}|${a.errorCode}`;
    const name = `${a.rule}:cooldown:${key}`;
    accounted.set(name, (accounted.get(name) ?? 0) + 1 + (a.suppressed ?? 0));
  }
  for (const key of alertKeys.keys()) {
    const pending = Number((await redis.hget(`${prefix}:rule:${key}`, 'suppressed')) ?? 0);
    accounted.set(key, (accounted.get(key) ?? 0) + pending);
  }
  expect(Object.fromEntries(accounted)).toEqual(Object.fromEntries(alertKeys));

  // The log sink writes in place (deliver.ts): no delivery jobs, every alert in the workers' log.
  const notifications = createNotificationQueue(redis, prefix);
  closers.push(() => notifications.close());
  const deliveries = await notifications.getJobCounts('wait', 'active', 'delayed', 'completed', 'failed');
  expect(Object.values(deliveries).reduce((a, b) => a + b, 0)).toBe(0);
  // The lines were written before their jobs completed; the pipe may still be delivering them.
  const ids = alerts.map((a) => a.id).sort();
  await expect.poll(() => [...new Set(loggedAlertIds(output()))].sort(), { timeout: 5000 }).toEqual(ids);
  // A job the kill interrupted after its alert was written writes it again on its retry.
  if (!crashed) expect(loggedAlertIds(output()).sort()).toEqual(ids);
}

/** The callbacks queue under `prefix`, with the settings of FAST; closed after the test. */
function callbacksQueue(prefix: string) {
  const queue = createCallbackQueue(redis, prefix, {
    attempts: 8,
    backoffMs: 100,
    keepCompleted: { count: 100_000, ageSeconds: 3600 },
    keepFailed: { count: 100_000, ageSeconds: 3600 },
  });
  closers.push(() => queue.close());
  return queue;
}

async function enqueue(prefix: string, jobs: Workload['jobs']) {
  const queue = callbacksQueue(prefix);
  for (let i = 0; i < jobs.length; i += 500) {
    await queue.addBulk(
      jobs
        .slice(i, i + 500)
        .map((job) => ({ name: job.data.command, data: job.data, opts: { jobId: job.id } })),
    );
  }
  return queue;
}

/** SIGKILLs a worker once more than `completed` callback jobs are done; resolves when it is gone. */
async function killOnceBusy(
  worker: ReturnType<typeof startWorker>,
  queue: ReturnType<typeof callbacksQueue>,
  completed: number,
) {
  await expect
    .poll(() => queue.getCompletedCount(), { timeout: 60_000, interval: 20 })
    .toBeGreaterThan(completed);
  worker.child.kill('SIGKILL');
  await worker.exited;
}

/**
 * Stores the callbacks the way the ingest does, batches of 16 on the intake list, each 12th
 * callback stored again in a later batch (a Tencent retry); the workers move them onto the
 * callbacks queue.
 */
async function storeThroughIntake(prefix: string, callbacks: readonly CallbackJob[]) {
  const store = createBatchStore(redis, prefix);
  const again: CallbackJob[] = [];
  for (let i = 0; i < callbacks.length; i += 16) {
    const batch = callbacks.slice(i, i + 16);
    await store([...batch, ...again.splice(0)]);
    again.push(...batch.filter((_, n) => (i + n) % 12 === 0));
  }
  if (again.length > 0) await store(again);
}

describe('worker processes', () => {
  it('callbacks stored through the intake, one worker SIGKILLed mid-run: every callback counted once', async () => {
    redis = createRedis(testRedisUrl(), 'worker');
    closers.push(() => redis.quit());
    const prefix = uniquePrefix('intake');
    const config = writeConfigFile(FAST);
    const { unique } = workload(3000, 13, false);
    const queue = callbacksQueue(prefix);
    await storeThroughIntake(prefix, unique);
    const first = startWorker(config, prefix);
    const second = startWorker(config, prefix);
    await killOnceBusy(first, queue, 300);
    const third = startWorker(config, prefix);
    await expect
      .poll(() => queue.getCompletedCount(), { timeout: 120_000, interval: 250 })
      .toBe(unique.length);
    const keys = imwatchKeys(prefix);
    expect([await redis.llen(keys.intake), await redis.llen(keys.intakeDamaged)]).toEqual([0, 0]);
    expect(await queue.getFailedCount()).toBe(0);
    await expectExactEffects(
      prefix,
      unique,
      () => [first, second, third].map((worker) => worker.output()).join('\n'),
      true,
    );
  }, 180_000);

  it('two workers over 5,000 mixed callbacks give exactly the independently computed counts', async () => {
    redis = createRedis(testRedisUrl(), 'worker');
    closers.push(() => redis.quit());
    const prefix = uniquePrefix('procs');
    const config = writeConfigFile(FAST);
    const workers = [startWorker(config, prefix), startWorker(config, prefix)];
    const { jobs, unique } = workload(5000, 7);
    expect(unique.length).toBeLessThan(jobs.length);
    const queue = await enqueue(prefix, jobs);
    await expect
      .poll(async () => (await queue.getJobCounts('completed', 'failed')).completed, {
        timeout: 120_000,
        interval: 250,
      })
      .toBe(jobs.length);
    expect(await queue.getFailedCount()).toBe(0);
    await expectExactEffects(prefix, unique, () => workers.map((worker) => worker.output()).join('\n'));
    for (const worker of workers) expect(worker.child.exitCode, worker.output()).toBeNull();
  }, 180_000);

  it('a worker killed with SIGKILL mid-run and restarted leaves the counts exact', async () => {
    redis = createRedis(testRedisUrl(), 'worker');
    closers.push(() => redis.quit());
    const prefix = uniquePrefix('kill');
    const config = writeConfigFile(FAST);
    // No replays here: any double count would come from the jobs the kill interrupted.
    const { jobs, unique } = workload(3000, 11, false);
    const queue = await enqueue(prefix, jobs);
    const first = startWorker(config, prefix);
    await killOnceBusy(first, queue, 500);
    const done = await queue.getCompletedCount();
    expect(done).toBeLessThan(jobs.length);
    const interrupted = await queue.getActiveCount();
    expect(interrupted).toBeGreaterThan(0);
    const second = startWorker(config, prefix);
    await expect.poll(() => queue.getCompletedCount(), { timeout: 120_000, interval: 250 }).toBe(jobs.length);
    expect(await queue.getFailedCount()).toBe(0);
    await expectExactEffects(prefix, unique, () => `${first.output()}\n${second.output()}`, true);
  }, 180_000);

  it('stops with a clear error naming the bad rule', async () => {
    const path = writeConfigFile(configText('rules:\n  - { name: x, kind: threshold, window: 5 minutes }\n'));
    const worker = startWorker(path, uniquePrefix('bad'));
    expect(await worker.exited).toBe(78);
    expect(worker.output()).toContain(`${path} is invalid`);
    expect(worker.output()).toContain(
      'rules.0.window: "5 minutes" is not a duration like 30s, 10m, 1h, 24h or 7d',
    );
  });
});
