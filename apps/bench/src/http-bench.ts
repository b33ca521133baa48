import { freePort, sampleQuery, sampleText } from '@imwatch/testing';
import type { Redis } from 'ioredis';
import { type Child, startNode, waitFor } from './children.js';
import type { LoadOptions, LoadResult } from './load.js';
import { paths } from './paths.js';

export const COMMAND = 'Group.CallbackSendMsgException';

/** The servers compared on the same load. */
export type ServerKind = 'imwatch' | 'bare-hono' | 'imwatch-add-per-request';

export interface HttpRun {
  server: ServerKind;
  connections: number;
  load: LoadResult;
  peakRss: number;
}

export interface HttpSetup {
  redis: Redis;
  redisUrl: string;
  configPath: string;
  durationSeconds: number;
  warmupSeconds: number;
  /** Extra node flags for the server under test (e.g. `--cpu-prof`). */
  serverNodeArgs?: string[];
}

/** The sample callback's text with a placeholder where each request puts its own Random. */
export function bodyTemplate(): string {
  const text = sampleText('send-msg-exception.seed');
  const template = text.replace(/"Random":\s*\d+/, '"Random":<RANDOM>');
  if (template === text) throw new Error('sample has no Random field to vary');
  return template;
}

/** Starts one server under test; resolves once it answers its health check. */
export async function startServer(kind: ServerKind, setup: HttpSetup, prefix: string) {
  const port = await freePort();
  const env = {
    IMWATCH_CONFIG: setup.configPath,
    REDIS_URL: setup.redisUrl,
    IMWATCH_PREFIX: prefix,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ENQUEUER: kind === 'imwatch-add-per-request' ? 'add-per-request' : 'batching',
  };
  const script =
    kind === 'imwatch' ? paths.ingestMain : kind === 'bare-hono' ? paths.bareHono : paths.ingestVariant;
  const child = startNode(kind, script, [], env, kind === 'imwatch' ? (setup.serverNodeArgs ?? []) : []);
  const health = kind === 'bare-hono' ? 'healthz' : 'readyz';
  await waitFor(child, 'health check', async () => (await fetch(`http://127.0.0.1:${port}/${health}`)).ok);
  return { child, url: `http://127.0.0.1:${port}/callback?${sampleQuery(COMMAND)}` };
}

/** Runs the load generator as a child process and returns its figures. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const load: Child = startNode('autocannon', paths.load, [JSON.stringify(options)], {});
  const code = await load.exited;
  if (code !== 0) throw new Error(`load generator failed (${code}):\n${load.stderrTail()}`);
  return JSON.parse(load.stdout()) as LoadResult;
}

/** One measured run: a fresh server, warm-up, load, peak RSS; Redis emptied afterwards. */
export async function httpRun(
  kind: ServerKind,
  connections: number,
  setup: HttpSetup,
  runIndex: number,
): Promise<HttpRun> {
  const { child, url } = await startServer(kind, setup, `{bench-http-${runIndex}}`);
  try {
    const load = await runLoad({
      url,
      connections,
      duration: setup.durationSeconds,
      warmupSeconds: setup.warmupSeconds,
      bodyTemplate: bodyTemplate(),
      firstRandom: runIndex * 10_000_000,
    });
    const peakRss = child.peakRss();
    return { server: kind, connections, load, peakRss };
  } finally {
    await child.stop();
    // Every run starts from an empty Redis; this Redis is the bench's own.
    await setup.redis.flushall();
  }
}
