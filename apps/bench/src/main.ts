// `npm run bench`: imwatch against the bare ceilings, in one run, on a Redis of its own.
// Everything it starts (redis-server, servers, workers, load generators) it stops, also on
// errors and Ctrl-C.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '@imwatch/config';
import { INGEST_NODE_FLAGS } from '@imwatch/ingest/dist/node-flags.js';
import { SAMPLE_APP_ID, startRedisServer, type TestRedisServer } from '@imwatch/testing';
import { Redis } from 'ioredis';
import { parseDocument } from 'yaml';
import { benchMix } from './callbacks.js';
import { stopAll } from './children.js';
import { measureCost } from './cost-bench.js';
import { type DrainRun, drainRun, type WorkerKind } from './drain-bench.js';
import { type HttpRun, httpRun, type ServerKind } from './http-bench.js';
import { type InstructionsResult, measureInstructions, valgrindAvailable } from './instructions-bench.js';
import { paths } from './paths.js';
import { costReport, drainReport, httpReport, instructionsReport, rateReport } from './report.js';
import { checkTargets, targetsReport } from './targets.js';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string' },
    callbacks: { type: 'string' },
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    levers: { type: 'boolean', default: false },
    profile: { type: 'string' },
    'profile-worker': { type: 'string' },
    baseline: { type: 'string' },
    'baseline-worker': { type: 'string' },
    instructions: { type: 'boolean' },
    'node-args': { type: 'string' },
    'baseline-node-args': { type: 'string' },
    'baseline-worker-node-args': { type: 'string' },
    concurrency: { type: 'string' },
    rate: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (flags.help) {
  console.log(`npm run bench -- [options]
  --duration <s>       seconds of load per HTTP run (default 5; --quick 2)
  --rounds <n>         rounds; each case runs once per round, interleaved (default 3; --quick 1)
  --connections <list> connection counts (default 10,50,100)
  --rate <n>           also measure latency at a fixed n req/s over the most connections
                       (default 2000; 0 = off)
  --callbacks <n>      callbacks per worker drain and cost run (default 20000; --quick 5000)
  --concurrency <n>    worker concurrency for both workers (default: the shipped config's)
  --only <list>        http,drain,cost,instructions (default http,drain,cost)
  --levers             also run the ingest app without the spool, batching and with one
                       queue.add per request (what batching and the spool cost or bought),
                       and with nothing stored (what the request's own work costs); and
                       'hono-queue-add', bare Hono with one awaited queue.add per request
  --baseline <main.js> also run another build of the ingest (e.g. an older commit) as 'baseline',
                       with the shipped node flags
  --baseline-node-args=<flags> node flags for the baseline instead of the shipped ones, e.g. the
                       same build with other flags: --baseline apps/ingest/dist/main.js --baseline-node-args=""
  --baseline-worker <main.js> also drain with another build of the worker as 'baseline-worker'
  --baseline-worker-node-args=<flags> node flags for the baseline worker instead of the shipped
                       ones, e.g. the same build with V8's default collector:
                       --baseline-worker apps/worker/dist/main.js --baseline-worker-node-args=""
  --instructions       also count Redis instructions per callback drained (valgrind callgrind;
                       the same on a busy machine; 3,000 callbacks, about two minutes)
  --node-args=<flags>  extra node flags for the imwatch ingest, e.g. --node-args="--max-semi-space-size=16"
  --profile <dir>      write CPU profiles of the imwatch ingest (node --cpu-prof) into <dir>
  --profile-worker <dir> write CPU profiles of both workers' drains into <dir>
  --quick              short smoke run`);
  process.exit(0);
}

const quick = flags.quick;
const durationSeconds = Number(flags.duration ?? (quick ? 2 : 5));
const rounds = Number(flags.rounds ?? (quick ? 1 : 3));
const connections = (flags.connections ?? '10,50,100').split(',').map(Number);
const rate = Number(flags.rate ?? 2000);
const callbacks = Number(flags.callbacks ?? (quick ? 5000 : 20_000));
const only = new Set((flags.only ?? 'http,drain,cost').split(','));

let redisServer: TestRedisServer | undefined;
let redis: Redis | undefined;
let workDir: string | undefined;

async function cleanUp() {
  await stopAll();
  redis?.disconnect();
  await redisServer?.destroy();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`\n${signal}: stopping everything the bench started…`);
    void cleanUp().finally(() => process.exit(130));
  });
}

/** Paths on the command line are relative to where `npm run bench` was typed, not apps/bench. */
const fromCaller = (path: string) => resolve(process.env.INIT_CWD ?? process.cwd(), path);
const nodeFlags = (text: string) => text.split(' ').filter(Boolean);

const log = (line: string) => console.error(`[bench] ${line}`);

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const kernel = readFileSync('/proc/version', 'utf8').split(' ')[2] ?? '';
  return `${cpus().length} cores (${cpu}), node ${process.version}, Linux ${kernel}`;
}

/** Callgrind runs Redis ~50× slower: a drain this size takes seconds, and is deterministic anyway. */
const INSTRUCTION_CALLBACKS = 3000;

/** The shipped config with another worker concurrency; everything else untouched. */
function withConcurrency(yamlText: string, concurrency: number): string {
  const doc = parseDocument(yamlText);
  doc.setIn(['worker', 'concurrency'], concurrency);
  return doc.toString();
}

async function main() {
  workDir = mkdtempSync(join(tmpdir(), 'imwatch-bench-'));
  // The real shipped config, copied so the bench never depends on the working directory.
  const configPath = join(workDir, 'imwatch.yaml');
  const shipped = readFileSync(paths.shippedConfig, 'utf8');
  writeFileSync(
    configPath,
    flags.concurrency ? withConcurrency(shipped, Number(flags.concurrency)) : shipped,
  );
  const config = parseConfig(process.env, readFileSync(configPath, 'utf8'), configPath);

  redisServer = await startRedisServer();
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  redis.on('error', () => {});
  const redisInfo = await redis.info('server');
  const redisVersion = /redis_version:(\S+)/.exec(redisInfo)?.[1] ?? '?';
  log(`redis-server ${redisVersion} on ${redisServer.url}; ${rounds} round(s)`);
  const setup = {
    workDir,
    redis,
    redisUrl: redisServer.url,
    configPath,
    config,
    durationSeconds,
    warmupSeconds: quick ? 0.5 : 1,
    ...(flags.baseline ? { baselineMain: fromCaller(flags.baseline) } : {}),
    // Baselines run with the shipped flags unless told otherwise (e.g. to compare flags).
    ...(flags['baseline-node-args'] !== undefined
      ? { baselineNodeArgs: nodeFlags(flags['baseline-node-args']) }
      : {}),
    ...(flags['baseline-worker'] ? { baselineWorkerMain: fromCaller(flags['baseline-worker']) } : {}),
    ...(flags['baseline-worker-node-args'] !== undefined
      ? { baselineWorkerNodeArgs: nodeFlags(flags['baseline-worker-node-args']) }
      : {}),
    serverNodeArgs: [
      ...INGEST_NODE_FLAGS, // imwatch runs as it is deployed
      ...nodeFlags(flags['node-args'] ?? ''),
      ...(flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${fromCaller(flags.profile)}`] : []),
    ],
    ...(flags['profile-worker'] ? { workerProfileDir: fromCaller(flags['profile-worker']) } : {}),
  };

  const httpRuns: HttpRun[] = [];
  const drainRuns: DrainRun[] = [];
  const servers: ServerKind[] = ['imwatch', 'bare-hono'];
  if (flags.levers)
    servers.push(
      'imwatch-batching-no-spool',
      'imwatch-add-per-request',
      'imwatch-no-store',
      'hono-queue-add',
    );
  if (flags.baseline) servers.push('baseline');
  const workers: WorkerKind[] = ['imwatch-worker', 'imwatch-from-intake', 'noop-bullmq'];
  if (flags['baseline-worker']) workers.push('baseline-worker');
  const mix = (count: number) =>
    benchMix(count, SAMPLE_APP_ID, Date.now(), config.alerting.coarseCounterWindow);
  const jobs = only.has('drain') || only.has('cost') ? mix(callbacks) : [];

  let runIndex = 0;
  for (let round = 0; round < rounds; round++) {
    // Alternate the order each round so neither side always runs on a warmer machine.
    const order = <T>(items: T[]) => (round % 2 === 0 ? items : [...items].reverse());
    if (only.has('http')) {
      for (const c of connections) {
        for (const server of order(servers)) {
          const run = await httpRun(server, c, setup, ++runIndex);
          log(
            `round ${round + 1} ${server} @${c}: ${run.load.reqPerSec.toFixed(0)} req/s, p99 ${run.load.p99} ms, rss ${(run.peakRss / 1048576).toFixed(0)} MB`,
          );
          httpRuns.push(run);
        }
      }
      // Flat out, latency is just connections / throughput (a closed loop); at a fixed rate
      // below both ceilings it shows what one request costs in waiting.
      const most = Math.max(...connections);
      for (const server of rate > 0 ? order(servers) : []) {
        const run = await httpRun(server, most, setup, ++runIndex, rate);
        log(
          `round ${round + 1} ${server} @${most} at ${rate} req/s: p50 ${run.load.p50} ms, p99 ${run.load.p99} ms`,
        );
        httpRuns.push(run);
      }
    }
    if (only.has('drain')) {
      for (const worker of order(workers)) {
        const run = await drainRun(worker, setup, jobs, ++runIndex);
        log(`round ${round + 1} ${worker}: ${run.perSecond.toFixed(0)} callbacks/s, ${run.failed} failed`);
        drainRuns.push(run);
      }
    }
  }
  const cost = only.has('cost') ? await measureCost(setup, jobs) : undefined;
  let instructions: InstructionsResult | undefined;
  if (flags.instructions || only.has('instructions')) {
    if (!valgrindAvailable())
      throw new Error('--instructions needs valgrind on PATH (apt-get install valgrind)');
    instructions = await measureInstructions(setup, workers, mix(INSTRUCTION_CALLBACKS), log);
  }

  const out = [
    `## imwatch bench — ${new Date().toISOString()}`,
    '',
    `Machine: ${machine()}; redis-server ${redisVersion}. ${rounds} round(s), HTTP runs of ${durationSeconds} s after a ${setup.warmupSeconds} s warm-up by the same load generator (autocannon flat out, a paced loop at a fixed rate) in its own process, one POST body per request (distinct Random).`,
  ];
  const flatOut = httpRuns.filter((run) => run.rate === undefined);
  const fixedRate = httpRuns.filter((run) => run.rate !== undefined);
  if (flatOut.length > 0) out.push('', '### Ingest', '', httpReport(flatOut, connections));
  if (fixedRate.length > 0) {
    out.push(
      '',
      `### Ingest latency at a fixed ${rate} req/s (${Math.max(...connections)} connections)`,
      '',
      rateReport(fixedRate),
    );
  }
  if (drainRuns.length > 0) {
    out.push(
      '',
      `### Worker drain (concurrency ${config.worker.concurrency}, ${callbacks} mixed callbacks pre-filled)`,
      '',
      drainReport(drainRuns),
    );
  }
  if (cost) out.push('', '### Redis cost', '', costReport(cost));
  if (instructions) {
    out.push(
      '',
      `### Redis instructions per callback drained (callgrind, ${INSTRUCTION_CALLBACKS} mixed callbacks)`,
      '',
      instructionsReport(instructions),
    );
  }
  const checks = checkTargets({ flatOut, fixedRate, drains: drainRuns, ...(cost ? { cost } : {}) });
  if (checks.length > 0) out.push('', '### Against the targets', '', targetsReport(checks, cpus().length));
  console.log(out.join('\n'));
}

try {
  await main();
} catch (error) {
  // After Ctrl-C the children are gone on purpose; their exits are not errors worth printing.
  if (!interrupted) console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
