// Child process: the load generator. Runs autocannon against one URL and prints its figures as
// JSON on stdout. Kept out of the orchestrator's process so it never competes with it for a core.
import { readFileSync } from 'node:fs';
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
  /** Fixed request rate over all connections (open loop), for latency at a given load. */
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
    ...(options.rate ? { overallRate: options.rate } : {}),
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

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const result = await run(options, options.connections, options.duration, options.amount);
const out: LoadResult = {
  requests: result.requests.total,
  seconds: result.duration,
  reqPerSec: result.requests.total / result.duration,
  p50: result.latency.p50,
  p99: result.latency.p99,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
};
process.stdout.write(`${JSON.stringify(out)}\n`);
