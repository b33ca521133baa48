import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@imwatch/config';
import { type CallbackQueue, createCallbackQueue, createIntakeMover, createRedis } from '@imwatch/queue';
import { freePort, SAMPLE_APP_ID, sampleBody, sampleQuery, uniquePrefix } from '@imwatch/testing';
import type { Redis } from 'ioredis';
import { waitUntilMoved } from '../../src/ingest.test-helpers.js';

export const INGEST_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
export const WORKER_MAIN = fileURLToPath(new URL('../../../worker/dist/main.js', import.meta.url));

/** The fault tests run the built ingest, as production does; they refuse to run a stale guess. */
export function requireBuiltApps(): void {
  for (const main of [INGEST_MAIN, WORKER_MAIN]) {
    if (!existsSync(main)) {
      throw new Error(`${main} is missing: run \`npm run build\` at the repository root first`);
    }
  }
}

/** A running `node apps/worker/dist/main.js`. */
export class WorkerProcess {
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly child: ChildProcess;

  constructor(workspace: Workspace, redisUrl: string) {
    this.child = spawn(process.execPath, [WORKER_MAIN], {
      env: {
        PATH: process.env.PATH,
        IMWATCH_CONFIG: workspace.configPath,
        IMWATCH_PREFIX: workspace.prefix,
        REDIS_URL: redisUrl,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.on('data', (data) => this.output.push(String(data)));
    }
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill(signal);
    return this.exited;
  }
}

const COMMAND = 'Group.CallbackSendMsgException';
const seed = sampleBody('send-msg-exception.seed');
const query = sampleQuery(COMMAND);
/** Callback number `n`: a body of its own (so a callback id of its own), `Random` = n. */
export const callbackBody = (n: number) => JSON.stringify({ ...seed, Random: n });

/** A temp dir with the config, the spool and the ingest's logs; one per test. */
export class Workspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'imwatch-fault-'));
  readonly prefix = uniquePrefix('fault');
  readonly spoolDir = join(this.dir, 'spool');
  readonly configPath = join(this.dir, 'imwatch.yaml');

  constructor(extraYaml = '') {
    writeFileSync(this.configPath, `apps:\n  - sdkAppId: ${SAMPLE_APP_ID}\n${extraYaml}`);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A running `node apps/ingest/dist/main.js`. */
export class IngestProcess {
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    for (const stream of [child.stdout, child.stderr])
      stream?.on('data', (data) => this.output.push(String(data)));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static async start(workspace: Workspace, redisUrl: string, port?: number): Promise<IngestProcess> {
    const listenPort = port ?? (await freePort());
    const child = spawn(process.execPath, [INGEST_MAIN], {
      env: {
        PATH: process.env.PATH,
        IMWATCH_CONFIG: workspace.configPath,
        IMWATCH_PREFIX: workspace.prefix,
        IMWATCH_SPOOL_DIR: workspace.spoolDir,
        REDIS_URL: redisUrl,
        PORT: String(listenPort),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ingest = new IngestProcess(child, listenPort);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`ingest exited at start:\n${ingest.output.join('')}`);
      const res = await fetch(`http://127.0.0.1:${listenPort}/healthz`).catch(() => undefined);
      if (res?.status === 200) return ingest;
      if (Date.now() > deadline) throw new Error(`ingest did not start:\n${ingest.output.join('')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async readyz(): Promise<{ status: string; spool?: { depth: number } } | undefined> {
    const res = await fetch(`http://127.0.0.1:${this.port}/readyz`).catch(() => undefined);
    return res ? ((await res.json()) as { status: string; spool?: { depth: number } }) : undefined;
  }

  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill(signal);
    return this.exited;
  }
}

/** What the load generator saw: the test's own record of which callbacks were acknowledged. */
export class LoadRecord {
  readonly acked = new Set<number>();
  readonly refused = new Map<number, number>();
  readonly failed = new Set<number>();
  /** Acks with their time, to measure how long the ingest acked while Redis was down. */
  readonly ackTimes: number[] = [];
  get done(): number {
    return this.acked.size + this.refused.size + this.failed.size;
  }
}

/**
 * Posts callbacks `0..total-1` to the ingest at `target().port` with `concurrency` requests in
 * flight. `pauses` run when a given number of callbacks is done; the load waits for each.
 */
export async function sendLoad(options: {
  total: number;
  concurrency: number;
  target: () => IngestProcess;
  record: LoadRecord;
  pauses?: { afterDone: number; run: () => Promise<void> }[];
}): Promise<void> {
  const { total, concurrency, target, record } = options;
  const pauses = [...(options.pauses ?? [])].sort((a, b) => a.afterDone - b.afterDone);
  let next = 0;
  let paused: Promise<void> | undefined;
  const maybePause = async () => {
    const due = pauses[0];
    if (due && record.done >= due.afterDone && !paused) {
      pauses.shift();
      paused = due.run().finally(() => {
        paused = undefined;
      });
    }
    if (paused) await paused;
  };
  const worker = async () => {
    for (;;) {
      await maybePause();
      if (next >= total) return;
      const n = next++;
      try {
        const res = await fetch(`http://127.0.0.1:${target().port}/callback?${query}`, {
          method: 'POST',
          body: callbackBody(n),
          headers: { 'content-type': 'application/json' },
          signal: AbortSignal.timeout(10_000),
        });
        const text = await res.text();
        if (res.status === 200 && text === '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}') {
          record.acked.add(n);
          record.ackTimes.push(Date.now());
        } else record.refused.set(n, res.status);
      } catch {
        record.failed.add(n); // connection refused or reset: not acknowledged, Tencent knows
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await maybePause();
}

/**
 * Moves what the ingest stored onto the callbacks queue, as the worker's intake mover does with
 * the workspace's config, then reads the callbacks queue straight from Redis: `Random` → how many
 * jobs carry it. Every batch must move: one that failed is a lost callback.
 */
export async function jobsByCallback(redisUrl: string, workspace: Workspace): Promise<Map<number, number>> {
  const { prefix } = workspace;
  const config = loadConfig({ IMWATCH_CONFIG: workspace.configPath }, workspace.dir);
  const redis: Redis = createRedis(redisUrl, 'worker');
  redis.on('error', () => {});
  const queue: CallbackQueue = createCallbackQueue(redis, prefix, config.queue);
  const mover = createIntakeMover({
    connection: redis,
    prefix,
    callbacks: queue,
    dedupWindowMs: config.ingest.dedupWindowSeconds * 1000,
  });
  try {
    await waitUntilMoved(redis, prefix, 60_000);
    const counts = new Map<number, number>();
    const jobs = await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized']);
    for (const job of jobs) {
      const n = job.data.body.Random as number;
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    return counts;
  } finally {
    await mover.close();
    await queue.close();
    await redis.quit();
  }
}

/** Waits until the ingest reports Redis up and an empty spool; returns the ms it took. */
export async function waitUntilDrained(ingest: IngestProcess, timeoutMs = 120_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const ready = await ingest.readyz();
    if (ready?.status === 'ready') return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`spool not drained: ${JSON.stringify(ready)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The invariant of every fault test, checked against the test's own record: each acknowledged
 * callback is in Redis, and no callback is there twice.
 */
export function checkExactlyOnce(record: LoadRecord, jobs: Map<number, number>) {
  const missing = [...record.acked].filter((n) => !jobs.has(n));
  const duplicated = [...jobs].filter(([, count]) => count > 1).map(([n]) => n);
  return { missing, duplicated, acked: record.acked.size, inRedis: jobs.size };
}
