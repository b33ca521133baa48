import { join } from 'node:path';
import { INGEST_NODE_FLAGS } from '@imwatch/ingest/dist/node-flags.js';
import { freePort, sampleQuery, sampleText } from '@imwatch/testing';
import type { Redis } from 'ioredis';
import { type Child, startNode, waitFor } from './children.js';
import { type LoadOptions, type LoadResult, MEASURING } from './load-options.js';
import { machineCpu, machineShares } from './machine-cpu.js';
import { paths } from './paths.js';

export const COMMAND = 'Group.CallbackSendMsgException';

/** The servers compared on the same load. */
export type ServerKind =
  | 'imwatch'
  | 'bare-hono'
  | 'imwatch-add-per-request'
  | 'imwatch-batching-no-spool'
  | 'imwatch-no-store'
  | 'hono-queue-add'
  | 'baseline';

export interface HttpRun {
  server: ServerKind;
  connections: number;
  /** Fixed request rate of the run, req/s; undefined when the load generator went flat out. */
  rate: number | undefined;
  load: LoadResult;
  peakRss: number;
  /** CPU time of the server process per request, µs: robust to a busy machine, unlike req/s. */
  serverCpuUs: number;
  /** CPU time of redis-server per request, µs. */
  redisCpuUs: number;
  /** CPU time of the load generator per request, µs: what the server left it on a shared machine. */
  loadCpuUs: number;
  /** Share of the machine's CPU that stayed idle during the run (0–1): 0 = the machine was the limit. */
  machineIdle: number;
  /** Share taken by the hypervisor for others (steal, 0–1): a noisy host shows here. */
  machineSteal: number;
}

export interface HttpSetup {
  redis: Redis;
  redisUrl: string;
  configPath: string;
  durationSeconds: number;
  warmupSeconds: number;
  /** Extra node flags for the server under test (e.g. `--cpu-prof`). */
  serverNodeArgs?: readonly string[];
  /** Another build of the ingest's main.js to compare with (`--baseline`). */
  baselineMain?: string;
  /** Node flags for the baseline (`--baseline-node-args`; default: the shipped ones). */
  baselineNodeArgs?: readonly string[];
  /** The bench's temp dir; each ingest run gets a fresh spool directory in it. */
  workDir: string;
}

/** The sample callback's text with a placeholder where each request puts its own Random. */
export function bodyTemplate(): string {
  const text = sampleText('send-msg-exception.seed');
  const template = text.replace(/"Random":\s*\d+/, '"Random":<RANDOM>');
  if (template === text) throw new Error('sample has no Random field to vary');
  return template;
}

/** How each server under test is started: its script, its node flags, its health path. */
interface ServerSpec {
  script: (setup: HttpSetup) => string;
  nodeArgs: (setup: HttpSetup) => readonly string[] | undefined;
  health: 'healthz' | 'readyz';
  /** The enqueuer ingest-variant.ts runs (`ENQUEUER`); only for its variants. */
  enqueuer?: 'batching' | 'add-per-request' | 'none';
}

/**
 * A `--levers` variant of the ingest: ingest-variant.ts with one enqueuer and the shipped flags, so
 * it differs from imwatch in its wiring only.
 */
const variant = (enqueuer: ServerSpec['enqueuer']): ServerSpec => ({
  script: () => paths.ingestVariant,
  nodeArgs: () => INGEST_NODE_FLAGS,
  health: 'readyz',
  enqueuer,
});

const SERVERS: Record<ServerKind, ServerSpec> = {
  imwatch: { script: () => paths.ingestMain, nodeArgs: (setup) => setup.serverNodeArgs, health: 'readyz' },
  'bare-hono': { script: () => paths.bareHono, nodeArgs: () => undefined, health: 'healthz' },
  'imwatch-add-per-request': variant('add-per-request'),
  'imwatch-batching-no-spool': variant('batching'),
  'imwatch-no-store': variant('none'),
  'hono-queue-add': { script: () => paths.honoQueueAdd, nodeArgs: () => undefined, health: 'healthz' },
  baseline: {
    script: (setup) => setup.baselineMain ?? paths.ingestMain,
    nodeArgs: (setup) => setup.baselineNodeArgs ?? INGEST_NODE_FLAGS, // deployed as imwatch is
    health: 'readyz',
  },
};

let spoolDirs = 0;

/** Starts one server under test; resolves once it answers its health check. */
export async function startServer(kind: ServerKind, setup: HttpSetup, prefix: string) {
  const spec = SERVERS[kind];
  const port = await freePort();
  const env = {
    IMWATCH_CONFIG: setup.configPath,
    REDIS_URL: setup.redisUrl,
    IMWATCH_PREFIX: prefix,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // The load is unsigned: keep the sample app's token off even if the caller's shell sets it.
    IMWATCH_SAMPLE_TOKEN: '',
    // A fresh spool per run, so no run replays another's leftovers.
    IMWATCH_SPOOL_DIR: join(setup.workDir, `spool-${++spoolDirs}`),
    ...(spec.enqueuer ? { ENQUEUER: spec.enqueuer } : {}),
  };
  const child = startNode(kind, spec.script(setup), [], env, spec.nodeArgs(setup) ?? []);
  await waitFor(
    child,
    'health check',
    async () => (await fetch(`http://127.0.0.1:${port}/${spec.health}`)).ok,
  );
  return { child, url: `http://127.0.0.1:${port}/callback?${sampleQuery(COMMAND)}` };
}

/** CPU time redis-server has used, ms (INFO cpu). */
export async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const read = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (read('used_cpu_user') + read('used_cpu_sys')) * 1000;
}

/**
 * Runs the load generator as a child process and returns its figures. `onMeasuring` runs when
 * its warm-up is over (at once without one), so the caller counts the servers' CPU from there.
 */
export async function runLoad(options: LoadOptions, onMeasuring?: () => Promise<void>): Promise<LoadResult> {
  const load: Child = startNode('autocannon', paths.load, [JSON.stringify(options)], {});
  let measuring: Promise<void> | undefined;
  const watch = (chunk: Buffer) => {
    if (!chunk.toString().includes(MEASURING)) return;
    load.process.stdout?.off('data', watch);
    measuring = onMeasuring?.();
  };
  load.process.stdout?.on('data', watch);
  const code = await load.exited;
  await measuring;
  if (code !== 0) throw new Error(`load generator failed (${code}):\n${load.stderrTail()}`);
  if (measuring === undefined && onMeasuring) throw new Error('load generator never started measuring');
  const lines = load.stdout().trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as LoadResult;
}

/** One measured run: a fresh server, warm-up and load, peak RSS; Redis emptied afterwards. */
export async function httpRun(
  kind: ServerKind,
  connections: number,
  setup: HttpSetup,
  runIndex: number,
  rate?: number,
): Promise<HttpRun> {
  const { child, url } = await startServer(kind, setup, `{bench-http-${runIndex}}`);
  try {
    const options = {
      url,
      connections,
      bodyTemplate: bodyTemplate(),
      firstRandom: runIndex * 10_000_000,
      ...(rate ? { rate } : {}),
    };
    let cpuBefore = Number.NaN;
    let redisBefore = Number.NaN;
    let machineBefore = machineCpu();
    // The warm-up runs in the load generator's own process, so the measured part starts warm.
    const load = await runLoad(
      { ...options, duration: setup.durationSeconds, warmupSeconds: setup.warmupSeconds },
      async () => {
        cpuBefore = child.cpuMs();
        machineBefore = machineCpu();
        redisBefore = await redisCpuMs(setup.redis);
      },
    );
    const machine = machineShares(machineBefore, machineCpu());
    const perRequest = (ms: number) => (ms * 1000) / load.requests;
    return {
      server: kind,
      connections,
      rate,
      load,
      peakRss: child.peakRss(),
      serverCpuUs: perRequest(child.cpuMs() - cpuBefore),
      redisCpuUs: perRequest((await redisCpuMs(setup.redis)) - redisBefore),
      loadCpuUs: perRequest(load.cpuMs),
      machineIdle: machine.idle,
      machineSteal: machine.steal,
    };
  } finally {
    await child.stop();
    // Every run starts from an empty Redis; this Redis is the bench's own.
    await setup.redis.flushall();
  }
}
