// Child process: the load generator. Runs autocannon (flat out) or a paced open loop (fixed rate)
// against one URL and prints its figures as JSON, the last line on stdout. Kept out of the
// orchestrator's process so it never competes with it for a core.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import { type LoadOptions, type LoadResult, MEASURING } from './load-options.js';

/** Gives each request its body: the template with its own Random, or the next of `bodiesFile`. */
function bodySource(options: LoadOptions): () => string {
  const [head, tail] = options.bodyTemplate.split('<RANDOM>') as [string, string];
  const bodies = options.bodiesFile ? (JSON.parse(readFileSync(options.bodiesFile, 'utf8')) as string[]) : [];
  let next = options.firstRandom;
  let sent = 0;
  // A distinct body per request (another Random), so the dedup never shortcuts the path.
  return bodies.length > 0
    ? () => bodies[sent++ % bodies.length] as string
    : () => head + String(next++ >>> 0) + tail;
}

/** Flat out: autocannon keeps every connection busy, for `seconds` or `amount` requests. */
function flatOut(options: LoadOptions, nextBody: () => string, seconds: number, amount?: number) {
  return autocannon({
    url: options.url,
    connections: options.connections,
    ...(amount !== undefined ? { amount } : { duration: seconds }),
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => {
          request.body = nextBody();
          return request;
        },
      },
    ],
  });
}

type Figures = Omit<LoadResult, 'cpuMs'>;

/**
 * A fixed rate, evenly paced: request i is due at start + i / rate, whatever happened to the ones
 * before, and its latency counts from when it was due (so a stalled server is not hidden by the
 * client waiting for a free connection). autocannon's own rate limit sends each connection's
 * share of a second in one burst at the top of the second, which measures the burst, not the server.
 * The warm-up is the head of the same schedule, so the measured part starts on warm sockets.
 */
async function paced(
  options: LoadOptions,
  nextBody: () => string,
  onMeasuring: () => void,
): Promise<Figures> {
  const rate = options.rate ?? 1000;
  const url = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const warmup = Math.round(rate * (options.warmupSeconds ?? 0));
  const total = warmup + Math.round(rate * options.duration);
  const start = performance.now();
  const dueAt = (i: number) => start + (i * 1000) / rate;
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;

  const send = (i: number) =>
    new Promise<void>((resolve) => {
      const due = dueAt(i);
      const measured = i >= warmup;
      const body = nextBody();
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
          if (!ok && measured) non2xx++;
          res.resume();
          res.on('end', () => {
            if (measured) latencies.push(performance.now() - due);
            resolve();
          });
        },
      );
      req.on('error', () => {
        if (measured) errors++;
        resolve();
      });
      req.end(body);
    });

  const inFlight: Promise<void>[] = [];
  let sent = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && dueAt(sent) <= now) {
        if (sent === warmup) onMeasuring();
        inFlight.push(send(sent));
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, dueAt(sent) - performance.now()));
      else done();
    };
    tick();
  });
  await Promise.all(inFlight);
  const seconds = (performance.now() - dueAt(warmup)) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    requests: latencies.length,
    seconds,
    reqPerSec: latencies.length / seconds,
    p50: round(at(0.5)),
    p99: round(at(0.99)),
    non2xx,
    errors,
    timeouts: 0,
  };
}

/** Flat out after a flat-out warm-up of the same process (fresh connections, warm JIT). */
async function flatOutWarm(
  options: LoadOptions,
  nextBody: () => string,
  onMeasuring: () => void,
): Promise<Figures> {
  if (options.warmupSeconds) await flatOut(options, nextBody, options.warmupSeconds);
  onMeasuring();
  const result = await flatOut(options, nextBody, options.duration, options.amount);
  return {
    requests: result.requests.total,
    seconds: result.duration,
    reqPerSec: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const nextBody = bodySource(options);
let cpuAtStart = process.cpuUsage();
// The parent snapshots the server's CPU when it reads this line; the load generator counts its own from here.
const onMeasuring = () => {
  process.stdout.write(`${MEASURING}\n`);
  cpuAtStart = process.cpuUsage();
};
const out = options.rate
  ? await paced(options, nextBody, onMeasuring)
  : await flatOutWarm(options, nextBody, onMeasuring);
const cpu = process.cpuUsage(cpuAtStart);
process.stdout.write(`${JSON.stringify({ ...out, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
