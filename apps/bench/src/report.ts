import { type CostResult, type KeyClass, MILLION_A_DAY_PER_SECOND, mbPerMillionADay } from './cost-bench.js';
import type { DrainRun } from './drain-bench.js';
import { INTAKE_BATCH } from './drain-bench.js';
import type { HttpRun, ServerKind } from './http-bench.js';
import type { InstructionsResult } from './instructions-bench.js';
import { MB, markdownTable, pairedRatios, showNumber, showSpread, spread } from './stats.js';

/** One cell: the median of `pick` over the runs, with its min–max. */
function cell<R>(runs: readonly R[], pick: (run: R) => number, digits?: number): string {
  return showSpread(spread(runs.map(pick)), digits);
}

/** Non-2xx answers, socket errors and timeouts over the runs: anything but 0 taints the row. */
function failures(runs: readonly HttpRun[]): string {
  return String(runs.reduce((sum, run) => sum + run.load.non2xx + run.load.errors + run.load.timeouts, 0));
}

/** The columns every HTTP table shares: req/s, p50, p99, peak RSS, server CPU. */
function loadCells(runs: readonly HttpRun[]): string[] {
  return [
    cell(runs, (run) => run.load.reqPerSec),
    cell(runs, (run) => run.load.p50, 1),
    cell(runs, (run) => run.load.p99, 1),
    cell(runs, (run) => run.peakRss / MB),
    cell(runs, (run) => run.serverCpuUs),
  ];
}

/** All the machine's CPU one request took: the server's, Redis', the load generator's. */
const machineCpuUs = (run: HttpRun) => run.serverCpuUs + run.redisCpuUs + run.loadCpuUs;

/** `12 (10–15)%` idle, with the hypervisor's steal when there was any. */
function idleCell(runs: readonly HttpRun[]): string {
  const idle = cell(runs, (run) => run.machineIdle * 100);
  const steal = spread(runs.map((run) => run.machineSteal * 100));
  return steal.max >= 0.5 ? `${idle}, steal ${showSpread(steal)}` : idle;
}

/**
 * Ingest table: one row per server and connection count, then imwatch / bare Hono. The ratio row
 * gives three ratios, each per round: req/s; the server's CPU per request (bare / this); and the
 * req/s ratio the two would reach if both kept the whole machine busy, from all the CPU a request
 * takes there (server + Redis + load generator, bare / this). When the measured ratio sits below
 * that one, imwatch left cores idle: it waited, not worked.
 */
export function httpReport(runs: readonly HttpRun[], connections: readonly number[]): string {
  const servers = [...new Set(runs.map((run) => run.server))] as ServerKind[];
  const rows: string[][] = [];
  for (const c of connections) {
    const of = (server: ServerKind) => runs.filter((run) => run.server === server && run.connections === c);
    for (const server of servers) {
      const mine = of(server);
      if (mine.length === 0) continue;
      rows.push([
        String(c),
        server,
        ...loadCells(mine),
        cell(mine, (run) => run.redisCpuUs),
        cell(mine, (run) => run.loadCpuUs),
        idleCell(mine),
        failures(mine),
      ]);
    }
    const bare = of('bare-hono');
    for (const server of servers.filter((s) => s !== 'bare-hono')) {
      const mine = of(server);
      if (mine.length === 0 || bare.length === 0) continue;
      // Per round (runs of one round ran back to back), then the spread of those ratios. CPU
      // ratios the other way round (bare / this), so every ratio reads "1.0 = as cheap as bare".
      const perRound = (ratio: (run: HttpRun, bareRun: HttpRun) => number) =>
        `**${showSpread(spread(pairedRatios(mine, bare, ratio)), 2)}**`;
      rows.push([
        String(c),
        `**${server} / bare-hono**`,
        perRound((run, b) => run.load.reqPerSec / b.load.reqPerSec),
        '',
        '',
        '',
        `${perRound((run, b) => b.serverCpuUs / run.serverCpuUs)} (bare / this)`,
        '',
        '',
        `${perRound((run, b) => machineCpuUs(b) / machineCpuUs(run))} on a busy machine`,
        '',
      ]);
    }
  }
  return markdownTable(
    [
      'conns',
      'server',
      'req/s median (min–max)',
      'p50 ms',
      'p99 ms',
      'peak RSS MB',
      'server CPU µs/req',
      'Redis CPU µs/req',
      'load gen CPU µs/req',
      'machine idle %',
      'non-2xx+errors',
    ],
    rows,
  );
}

/** Latency at a fixed rate: the same load for every server, so p50/p99 compare directly. */
export function rateReport(runs: readonly HttpRun[]): string {
  const servers = [...new Set(runs.map((run) => run.server))];
  const rows = servers.map((server) => {
    const mine = runs.filter((run) => run.server === server);
    return [server, ...loadCells(mine), failures(mine)];
  });
  return markdownTable(
    ['server', 'req/s achieved', 'p50 ms', 'p99 ms', 'peak RSS MB', 'server CPU µs/req', 'non-2xx+errors'],
    rows,
  );
}

export function drainReport(runs: readonly DrainRun[]): string {
  const kinds = [...new Set(runs.map((run) => run.worker))];
  const rows = kinds.map((kind) => {
    const mine = runs.filter((run) => run.worker === kind);
    return [
      kind,
      String(mine[0]?.callbacks ?? 0),
      cell(mine, (run) => run.perSecond),
      cell(mine, (run) => run.workerCpuUs),
      cell(mine, (run) => run.redisCpuUs),
      cell(mine, (run) => run.peakRss / MB),
      cell(mine, (run) => run.alerts),
      String(mine.reduce((sum, run) => sum + run.failed, 0)),
    ];
  });
  const noop = runs.filter((run) => run.worker === 'noop-bullmq');
  for (const kind of ['imwatch-worker', 'imwatch-from-intake', 'baseline-worker'] as const) {
    const real = runs.filter((run) => run.worker === kind);
    if (real.length === 0 || noop.length === 0) continue;
    const ratios = pairedRatios(real, noop, (run, base) => run.perSecond / base.perSecond);
    // CPU ratios the other way round (no-op / this), so every ratio reads "1.0 = as cheap as no-op".
    const cpuRatio = (pick: (run: DrainRun) => number) =>
      `**${showSpread(spread(pairedRatios(real, noop, (run, base) => pick(base) / pick(run))), 2)}** (no-op / this)`;
    rows.push([
      `**${kind} / noop-bullmq**`,
      '',
      `**${showSpread(spread(ratios), 2)}**`,
      cpuRatio((run) => run.workerCpuUs),
      cpuRatio((run) => run.redisCpuUs),
      '',
      '',
      '',
    ]);
  }
  return markdownTable(
    [
      'worker',
      'callbacks',
      'callbacks/s median (min–max)',
      'worker CPU µs/callback',
      'Redis CPU µs/callback',
      'peak RSS MB',
      'alerts logged',
      'failed',
    ],
    rows,
  );
}

const perCallback = (value: number, n: number) => showNumber(value / n, 2);

export function costReport(cost: CostResult): string {
  const n = cost.callbacks;
  const top = (calls: Map<string, number>) =>
    [...calls]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([name, count]) => `${name} ${perCallback(count, n)}`)
      .join(', ');
  const commands = markdownTable(
    ['side', 'commands / callback', 'round trips / callback', 'biggest (per callback)'],
    [
      [
        'ingest',
        perCallback(cost.ingest.commands, n),
        perCallback(cost.ingest.reads, n),
        top(cost.ingest.calls),
      ],
      [
        'worker',
        perCallback(cost.worker.commands, n),
        perCallback(cost.worker.reads, n),
        top(cost.worker.calls),
      ],
      [
        '**end to end**',
        `**${perCallback(cost.ingest.commands + cost.worker.commands, n)}**`,
        `**${perCallback(cost.ingest.reads + cost.worker.reads, n)}**`,
        '',
      ],
    ],
  );

  const { dedup, keptJobs, queueStructures, otherQueuesAndStreams, workerState } = cost.memory;
  const dedupPerKey = dedup.keys > 0 ? dedup.bytes / dedup.keys : 0;
  const perMillion = (k: KeyClass) => {
    const mb = mbPerMillionADay(k, n);
    return mb === undefined
      ? `UNBOUNDED: ${k.noTtl} keys never expire`
      : `${showNumber(mb, mb < 10 ? 2 : 0)} MB`;
  };
  const ttl = (k: KeyClass) => {
    if (k.keys === 0) return '–';
    const longest = k.maxTtlMs > 0 ? `${showNumber(k.maxTtlMs / 1000)} s` : '';
    const never = k.noTtl > 0 ? `${k.noTtl} without TTL` : '';
    return [longest, never].filter(Boolean).join('; ');
  };
  const stateRows = Object.entries(workerState)
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .map(([word, k]) => [
      `worker state \`${word}:*\``,
      String(k.keys),
      showNumber(k.bytes),
      showNumber(k.bytes / n, 1),
      ttl(k),
      perMillion(k),
    ]);
  const memory = markdownTable(
    ['what', 'keys', 'bytes', 'bytes / callback', 'TTL', 'per million callbacks a day'],
    [
      [
        'dedup keys (held for the dedup window)',
        String(dedup.keys),
        showNumber(dedup.bytes),
        showNumber(dedupPerKey, 1),
        ttl(dedup),
        `${perMillion(dedup)} (${showNumber(MILLION_A_DAY_PER_SECOND * cost.dedupWindowSeconds)} keys alive)`,
      ],
      ...stateRows,
      [
        'completed jobs kept (bounded by queue.keepCompleted)',
        String(keptJobs.keys),
        showNumber(keptJobs.bytes),
        '–',
        ttl(keptJobs),
        'constant',
      ],
      [
        'callbacks queue structures (events stream capped, sets)',
        String(queueStructures.keys),
        showNumber(queueStructures.bytes),
        '–',
        ttl(queueStructures),
        'constant',
      ],
      [
        'other queues (notifications) and capped streams (alerts, rejections)',
        String(otherQueuesAndStreams.keys),
        showNumber(otherQueuesAndStreams.bytes),
        '–',
        ttl(otherQueuesAndStreams),
        'bounded by their retention settings',
      ],
    ],
  );
  return [
    `Redis commands per callback, end to end (${n} mixed callbacks posted to the ingest at 50 connections, then drained by the worker; commands run inside Lua scripts are counted; round trips = socket reads Redis processed):`,
    '',
    commands,
    '',
    `Redis memory after the drain (used_memory grew by ${showNumber(cost.usedMemoryDelta / MB, 2)} MB for ${n} callbacks):`,
    '',
    memory,
  ].join('\n');
}

/** Redis instructions per callback drained, the no-op's count over each worker's, and the add's. */
export function instructionsReport({ ingestAdd, intakeStore, runs }: InstructionsResult): string {
  const noop = runs.find((run) => run.worker === 'noop-bullmq');
  return markdownTable(
    ['Redis work per callback', 'instructions', 'no-op / this'],
    [
      ...runs.map((run) => [
        `drained by ${run.worker}`,
        showNumber(run.perCallback, 0),
        noop ? `**${showNumber(noop.perCallback / run.perCallback, 2)}**` : '',
      ]),
      [
        `stored on the intake by the ingest's batch store (batches of ${INTAKE_BATCH})`,
        showNumber(intakeStore, 0),
        '',
      ],
      ['added to the callbacks queue by the add script (batches of 500)', showNumber(ingestAdd, 0), ''],
    ],
  );
}
