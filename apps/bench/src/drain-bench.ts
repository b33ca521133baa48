import type { Config } from '@imwatch/config';
import {
  CALLBACKS_QUEUE,
  type CallbackJob,
  callbackJobOptions,
  createCallbackQueue,
  createRedis,
  whenReady,
} from '@imwatch/queue';
import type { Redis } from 'ioredis';
import { type Child, sleep, startNode } from './children.js';
import { paths } from './paths.js';

export type WorkerKind = 'imwatch-worker' | 'noop-bullmq';

export interface DrainRun {
  worker: WorkerKind;
  callbacks: number;
  perSecond: number;
  failed: number;
  peakRss: number;
}

export interface DrainSetup {
  redis: Redis;
  redisUrl: string;
  configPath: string;
  config: Config;
}

/** Puts the callbacks on the queue the way the ingest does (job id, deduplication, retention). */
export async function prefill(setup: DrainSetup, prefix: string, jobs: readonly CallbackJob[]) {
  const connection = createRedis(setup.redisUrl, 'producer');
  connection.on('error', () => {});
  await whenReady(connection, 5000);
  const queue = createCallbackQueue(connection, prefix, setup.config.queue);
  const windowMs = setup.config.ingest.dedupWindowSeconds * 1000;
  try {
    for (let i = 0; i < jobs.length; i += 500) {
      await queue.addBulk(
        jobs.slice(i, i + 500).map((job) => ({
          name: job.command,
          data: job,
          opts: callbackJobOptions(job.callbackId, windowMs),
        })),
      );
    }
  } finally {
    await queue.close();
    await connection.quit();
  }
}

export function startWorker(kind: WorkerKind, setup: DrainSetup, prefix: string): Child {
  const env = {
    IMWATCH_CONFIG: setup.configPath,
    REDIS_URL: setup.redisUrl,
    IMWATCH_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    CONCURRENCY: String(setup.config.worker.concurrency),
  };
  return startNode(kind, kind === 'imwatch-worker' ? paths.workerMain : paths.noopWorker, [], env);
}

/** Commands one `remaining` poll sends, so cost measurements can leave the polling out. */
export const POLL_COMMANDS = new Map([
  ['llen', 2],
  ['zcard', 2],
]);

/** Callbacks not yet finished: waiting, active, or waiting for a retry. */
export async function remaining(redis: Redis, prefix: string): Promise<number> {
  const key = (name: string) => `${prefix}:${CALLBACKS_QUEUE}:${name}`;
  const replies = await redis
    .pipeline()
    .llen(key('wait'))
    .llen(key('active'))
    .zcard(key('delayed'))
    .zcard(key('prioritized'))
    .exec();
  return (replies ?? []).reduce((sum, [, count]) => sum + Number(count ?? 0), 0);
}

/**
 * Polls until the queue is empty. The rate counts from the first poll that sees the worker at
 * work, so process start-up is left out. Returns the rate and the number of polls made.
 */
export async function waitDrained(
  redis: Redis,
  prefix: string,
  total: number,
  child: Child,
  timeoutMs = 300_000,
) {
  const deadline = Date.now() + timeoutMs;
  let polls = 0;
  let start: { at: number; left: number } | undefined;
  for (;;) {
    if (child.process.exitCode !== null) {
      throw new Error(`${child.name} exited (${child.process.exitCode}):\n${child.stderrTail()}`);
    }
    if (Date.now() > deadline) throw new Error(`${child.name} did not drain the queue in ${timeoutMs} ms`);
    const left = await remaining(redis, prefix);
    const at = performance.now();
    polls++;
    if (start === undefined && left < total) start = { at, left };
    if (left === 0 && start !== undefined) {
      return { perSecond: (start.left / (at - start.at)) * 1000, polls };
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
  await prefill(setup, prefix, jobs);
  const child = startWorker(kind, setup, prefix);
  try {
    const { perSecond } = await waitDrained(setup.redis, prefix, jobs.length, child);
    const failed = await setup.redis.zcard(`${prefix}:${CALLBACKS_QUEUE}:failed`);
    return { worker: kind, callbacks: jobs.length, perSecond, failed, peakRss: child.peakRss() };
  } finally {
    await child.stop();
    await setup.redis.flushall();
  }
}
