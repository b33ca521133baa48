import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '@imwatch/config';
import {
  CALLBACKS_QUEUE,
  type CallbackJob,
  createBatchStore,
  createCallbackAdder,
  createCallbackQueue,
  createRedis,
  imwatchKeys,
  whenReady,
} from '@imwatch/queue';
import { WORKER_NODE_FLAGS } from '@imwatch/worker/dist/node-flags.js';
import type { Redis } from 'ioredis';
import { type Child, sleep, startNode } from './children.js';
import { redisCpuMs } from './http-bench.js';
import { paths } from './paths.js';

/**
 * `imwatch-from-intake`: the shipped worker given the callbacks as the ingest leaves them, batches
 * of INTAKE_BATCH on the intake list, so the drain includes moving them (intake mover) before the
 * rules. The others start from callback jobs on the callbacks queue.
 */
export type WorkerKind = 'imwatch-worker' | 'imwatch-from-intake' | 'noop-bullmq' | 'baseline-worker';

/** Callbacks per intake batch in the from-intake drain: the ingest's batch limit under load. */
export const INTAKE_BATCH = 16;

export interface DrainRun {
  worker: WorkerKind;
  callbacks: number;
  perSecond: number;
  failed: number;
  peakRss: number;
  /** CPU time of the worker process per callback, µs: robust to a busy machine, unlike the rate. */
  workerCpuUs: number;
  /** CPU time of redis-server per callback, µs. */
  redisCpuUs: number;
  /** Alert lines the worker wrote to its log (the shipped config's only sink is the log). */
  alerts: number;
}

export interface DrainSetup {
  /** Where the workers' logs go (stdout, to a file: see startNode). */
  workDir: string;
  redis: Redis;
  redisUrl: string;
  configPath: string;
  config: Config;
  /** Write a CPU profile of every drain, of both workers, into this directory (`--profile-worker`). */
  workerProfileDir?: string;
  /** Another build of the worker's main.js to compare with (`--baseline-worker`). */
  baselineWorkerMain?: string;
  /** Node flags for the baseline worker (`--baseline-worker-node-args`; default: the shipped ones). */
  baselineWorkerNodeArgs?: readonly string[];
}

/**
 * Puts the callbacks on the callbacks queue as the intake mover leaves them (the add script, in
 * batches), or with `intake`, on the intake list as the ingest does (its batch store, INTAKE_BATCH
 * each).
 */
export async function prefill(
  setup: DrainSetup,
  prefix: string,
  jobs: readonly CallbackJob[],
  { intake = false }: { intake?: boolean } = {},
) {
  const connection = createRedis(setup.redisUrl, 'producer');
  connection.on('error', () => {});
  await whenReady(connection, 5000);
  const queue = createCallbackQueue(connection, prefix, setup.config.queue);
  try {
    if (intake) {
      const store = createBatchStore(connection, prefix);
      for (let i = 0; i < jobs.length; i += INTAKE_BATCH) await store(jobs.slice(i, i + INTAKE_BATCH));
    } else {
      const add = createCallbackAdder(connection, queue, setup.config.ingest.dedupWindowSeconds * 1000);
      for (let i = 0; i < jobs.length; i += 500) await add(jobs.slice(i, i + 500));
    }
  } finally {
    await queue.close();
    await connection.quit();
  }
}

/** The file a worker's stdout goes to. */
export function workerLog(setup: DrainSetup, kind: WorkerKind, prefix: string): string {
  return join(setup.workDir, `${kind}-${prefix.replace(/[^\w-]/g, '')}.log`);
}

/** Log lines that carry an alert (the log sink's). */
export function alertLines(logFile: string): number {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"alert":{')).length;
}

export function startWorker(kind: WorkerKind, setup: DrainSetup, prefix: string): Child {
  const env = {
    IMWATCH_CONFIG: setup.configPath,
    REDIS_URL: setup.redisUrl,
    IMWATCH_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    CONCURRENCY: String(setup.config.worker.concurrency),
  };
  const profile = setup.workerProfileDir
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${setup.workerProfileDir}`,
        `--cpu-prof-name=${kind}.${Date.now()}.cpuprofile`,
      ]
    : [];
  const { main, nodeArgs } = {
    'imwatch-worker': { main: paths.workerMain, nodeArgs: WORKER_NODE_FLAGS }, // as it is deployed
    'imwatch-from-intake': { main: paths.workerMain, nodeArgs: WORKER_NODE_FLAGS },
    'noop-bullmq': { main: paths.noopWorker, nodeArgs: [] },
    'baseline-worker': {
      main: setup.baselineWorkerMain ?? paths.workerMain,
      nodeArgs: setup.baselineWorkerNodeArgs ?? WORKER_NODE_FLAGS,
    },
  }[kind];
  return startNode(kind, main, [], env, [...nodeArgs, ...profile], workerLog(setup, kind, prefix));
}

/** Commands one `remaining` poll sends, so cost measurements can leave the polling out. */
export const POLL_COMMANDS = new Map([
  ['llen', 3],
  ['zcard', 2],
]);

/**
 * Work not yet finished: callback jobs waiting, active, or waiting for a retry, plus intake
 * batches not yet moved (each counts 1, whatever it holds). 0 only when everything is done.
 */
export async function remaining(redis: Redis, prefix: string): Promise<number> {
  const key = (name: string) => `${prefix}:${CALLBACKS_QUEUE}:${name}`;
  const replies = await redis
    .pipeline()
    .llen(key('wait'))
    .llen(key('active'))
    .zcard(key('delayed'))
    .zcard(key('prioritized'))
    .llen(imwatchKeys(prefix).intake)
    .exec();
  return (replies ?? []).reduce((sum, [, count]) => sum + Number(count ?? 0), 0);
}

/** CPU time used so far by the worker process and by redis-server, ms. */
export interface CpuMark {
  workerMs: number;
  redisMs: number;
}

async function cpuMark(redis: Redis, child: Child): Promise<CpuMark> {
  return { workerMs: child.cpuMs(), redisMs: await redisCpuMs(redis) };
}

/**
 * Polls until the queues are empty. The rate counts from the first poll that sees the worker at
 * work, so process start-up is left out. Returns the rate and the number of polls made; with
 * `cpu`, also the CPU the worker and Redis used over the same span, per callback (µs). The CPU
 * reads add an INFO per mark, so the cost run (which counts commands) leaves them out. With
 * `intake` (the callbacks start as intake batches) the span counts all `total` callbacks: the
 * batches moved before the first poll that saw the worker at work (≤ 20 ms of it) count in it.
 */
export async function waitDrained(
  redis: Redis,
  prefix: string,
  total: number,
  child: Child,
  {
    timeoutMs = 300_000,
    cpu = false,
    intake = false,
  }: { timeoutMs?: number; cpu?: boolean; intake?: boolean } = {},
) {
  const deadline = Date.now() + timeoutMs;
  let polls = 0;
  let start: { at: number; left: number; cpu?: CpuMark } | undefined;
  // What `remaining` reads before any work: every callback job, or one per intake batch.
  let untouched: number | undefined = intake ? undefined : total;
  for (;;) {
    if (child.process.exitCode !== null) {
      throw new Error(`${child.name} exited (${child.process.exitCode}):\n${child.stderrTail()}`);
    }
    if (Date.now() > deadline) throw new Error(`${child.name} did not drain the queue in ${timeoutMs} ms`);
    const left = await remaining(redis, prefix);
    const at = performance.now();
    polls++;
    untouched ??= left;
    if (start === undefined && left !== untouched) {
      start = { at, left: intake ? total : left, ...(cpu ? { cpu: await cpuMark(redis, child) } : {}) };
    }
    if (left === 0 && start !== undefined) {
      const perSecond = (start.left / (at - start.at)) * 1000;
      if (!start.cpu) return { perSecond, polls, workerCpuUs: Number.NaN, redisCpuUs: Number.NaN };
      const end = await cpuMark(redis, child);
      const drained = start.left;
      const perCallbackUs = (ms: number) => (ms * 1000) / drained;
      return {
        perSecond,
        polls,
        workerCpuUs: perCallbackUs(end.workerMs - start.cpu.workerMs),
        redisCpuUs: perCallbackUs(end.redisMs - start.cpu.redisMs),
      };
    }
    await sleep(20);
  }
}

/** One measured run: fill the queue, start the worker, time the drain. */
export async function drainRun(
  kind: WorkerKind,
  setup: DrainSetup,
  jobs: readonly CallbackJob[],
  runIndex: number,
): Promise<DrainRun> {
  const prefix = `{bench-drain-${runIndex}}`;
  const intake = kind === 'imwatch-from-intake';
  await prefill(setup, prefix, jobs, { intake });
  const child = startWorker(kind, setup, prefix);
  let run: Omit<DrainRun, 'alerts'>;
  try {
    const drained = await waitDrained(setup.redis, prefix, jobs.length, child, { cpu: true, intake });
    const failed = await setup.redis.zcard(`${prefix}:${CALLBACKS_QUEUE}:failed`);
    run = {
      worker: kind,
      callbacks: jobs.length,
      perSecond: drained.perSecond,
      failed,
      peakRss: child.peakRss(),
      workerCpuUs: drained.workerCpuUs,
      redisCpuUs: drained.redisCpuUs,
    };
  } finally {
    await child.stop();
    await setup.redis.flushall();
  }
  // Counted once the worker has exited, so its log is complete.
  return { ...run, alerts: alertLines(workerLog(setup, kind, prefix)) };
}
