import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallbackJob } from '@imwatch/queue';
import { startRedisServer } from '@imwatch/testing';
import { Redis } from 'ioredis';
import { type DrainSetup, prefill, startWorker, type WorkerKind, waitDrained } from './drain-bench.js';

/**
 * Redis instructions per callback drained, counted by valgrind's callgrind: the same figure on a
 * busy or a quiet machine, unlike rates and CPU times. Each worker drains `small` and then `large`
 * callbacks on a fresh redis-server run under callgrind; the difference over `large - small`
 * leaves out start-up, connections and polling. A run that only pre-fills is measured the same
 * way and subtracted, so what remains is the worker's share.
 */
export interface InstructionsRun {
  worker: WorkerKind;
  /** Redis instructions per callback, pre-fill subtracted. */
  perCallback: number;
}

export function valgrindAvailable(): boolean {
  return spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0;
}

interface CountedRedis {
  url: string;
  redis: Redis;
  /** Stops Redis (SIGTERM: it shuts down, callgrind writes its totals) and answers the count. */
  finish(): Promise<number>;
}

async function startCountedRedis(): Promise<CountedRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'imwatch-callgrind-'));
  const out = join(dir, 'callgrind.out');
  const server = await startRedisServer({
    launcher: ['valgrind', '--tool=callgrind', `--callgrind-out-file=${out}`],
    startTimeoutMs: 60_000,
    stopTimeoutMs: 60_000,
  });
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  redis.on('error', () => {});
  return {
    url: server.url,
    redis,
    async finish() {
      redis.disconnect();
      await server.destroy();
      const totals = /^(?:summary|totals):\s+(\d+)/m.exec(readFileSync(out, 'utf8'));
      rmSync(dir, { recursive: true, force: true });
      if (!totals?.[1]) throw new Error('callgrind wrote no instruction total');
      return Number(totals[1]);
    },
  };
}

type Counted = WorkerKind | 'prefill' | 'prefill-intake';

/**
 * Instructions Redis executed to pre-fill `jobs` (on the intake list for 'prefill-intake' and
 * 'imwatch-from-intake') and, unless only pre-filling, drain them.
 */
async function countRun(worker: Counted, setup: DrainSetup, jobs: readonly CallbackJob[]) {
  const intake = worker === 'prefill-intake' || worker === 'imwatch-from-intake';
  const counted = await startCountedRedis();
  const local: DrainSetup = { ...setup, redis: counted.redis, redisUrl: counted.url };
  delete local.workerProfileDir;
  const prefix = '{bench-instructions}';
  let failure: unknown;
  try {
    await prefill(local, prefix, jobs, { intake });
    if (worker !== 'prefill' && worker !== 'prefill-intake') {
      const child = startWorker(worker, local, prefix);
      try {
        await waitDrained(counted.redis, prefix, jobs.length, child, { timeoutMs: 600_000, intake });
      } finally {
        await child.stop();
      }
    }
  } catch (error) {
    failure = error;
  }
  // Always shut the counted Redis down, so no valgrind process outlives the bench.
  const instructions = await counted.finish();
  if (failure !== undefined) throw failure;
  return instructions;
}

export interface InstructionsResult {
  /** Redis instructions per callback of the callbacks' pre-fill: the add script, batches of 500. */
  ingestAdd: number;
  /** … of the intake's pre-fill: the ingest's batch store, batches of INTAKE_BATCH. */
  intakeStore: number;
  runs: InstructionsRun[];
}

export async function measureInstructions(
  setup: DrainSetup,
  workers: readonly WorkerKind[],
  jobs: readonly CallbackJob[],
  log: (line: string) => void,
): Promise<InstructionsResult> {
  const large = jobs.length;
  const small = Math.floor(large / 3);
  const perCallback = async (worker: Counted) => {
    const few = await countRun(worker, setup, jobs.slice(0, small));
    const many = await countRun(worker, setup, jobs);
    const value = (many - few) / (large - small);
    log(`instructions ${worker}: ${Math.round(value)} per callback`);
    return value;
  };
  const prefillOnly = await perCallback('prefill');
  const intakeOnly = await perCallback('prefill-intake');
  const runs: InstructionsRun[] = [];
  for (const worker of workers) {
    const prefilled = worker === 'imwatch-from-intake' ? intakeOnly : prefillOnly;
    runs.push({ worker, perCallback: (await perCallback(worker)) - prefilled });
  }
  return { ingestAdd: prefillOnly, intakeStore: intakeOnly, runs };
}
