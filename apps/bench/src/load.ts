// Child process: the load generator. Runs autocannon (flat out) or a paced open loop (fixed rate)
// against one URL and prints its figures as JSON on stdout. Kept out of the orchestrator's
// process so it never competes with it for a core.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  duration: number;
  /** Send exactly this many requests instead of running for `duration`. */
  amount?: number;
  /** The body, with `"Random":<RANDOM>` where each request gets its own number. */
  bodyTemplate: string;
  /** First Random value, so runs against one Redis never repeat a callback. */
  firstRandom: number;
  /** Fixed request rate over all connections (paced open loop), for latency at a given load. */
  rate?: number;
  /** A JSON file with an array of bodies to send in turn instead of the template. */
  bodiesFile?: string;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU time this load generator used while it sent, ms: the share of the machine it took. */
  cpuMs: number;
}

function run(options: LoadOptions, connections: number, seconds: number, amount?: number) {
  const [head, tail] = options.bodyTemplate.split('<RANDOM>') as [string, string];
  const bodies = options.bodiesFile ? (JSON.parse(readFileSync(options.bodiesFile, 'utf8')) as string[]) : [];
  let next = options.firstRandom;
  let sent = 0;
  return autocannon({
    url: options.url,
    connections,
    ...(amount !== undefined ? { amount } : { duration: seconds }),
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // A distinct body per request (another Random), so the dedup never shortcuts the path.
        setupRequest: (request) => {
          request.body =
            bodies.length > 0 ? bodies[sent++ % bodies.length] : head + String(next++ >>> 0) + tail;
          return request;
        },
      },
    ],
  });
}

/**
 * A fixed rate, evenly paced: request i is due at start + i / rate, whatever happened to the ones
 * before, and its latency counts from when it was due (so a stalled server is not hidden by the
 * client waiting for a free connection). autocannon's own rate limit sends each connection's
 * share of a second in one burst at the top of the second, which measures the burst, not the server.
 */
async function paced(options: LoadOptions): Promise<Omit<LoadResult, 'cpuMs'>> {
  const rate = options.rate ?? 1000;
  const url = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const [head, tail] = options.bodyTemplate.split('<RANDOM>') as [string, string];
  const total = Math.round(rate * options.duration);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let next = options.firstRandom;
  const start = performance.now();

  const send = (due: number) =>
    new Promise<void>((resolve) => {
      const body = head + String(next++ >>> 0) + tail;
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode >= 300) non2xx++;
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - due);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });

  const inFlight: Promise<void>[] = [];
  let sent = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / rate <= now) {
        inFlight.push(send(start + (sent * 1000) / rate));
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + (sent * 1000) / rate - performance.now()));
      else done();
    };
    tick();
  });
  await Promise.all(inFlight);
  const seconds = (performance.now() - start) / 1000;
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

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const cpuAtStart = process.cpuUsage();
let out: Omit<LoadResult, 'cpuMs'>;
if (options.rate) {
  out = await paced(options);
} else {
  const result = await run(options, options.connections, options.duration, options.amount);
  out = {
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
const cpu = process.cpuUsage(cpuAtStart);
process.stdout.write(`${JSON.stringify({ ...out, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
