// What the orchestrator and the load generator (load.ts, a child process) tell each other.

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  duration: number;
  /** Send exactly this many requests instead of running for `duration`. */
  amount?: number;
  /**
   * Seconds of the same load before the measured part, in this same process: a load generator
   * that starts cold (its JIT, its sockets) stalls on its own, and a paced run counts the stall
   * as the server's latency (bare Hono's p99 at 2,000 req/s: 68–391 ms from a cold process,
   * 7–21 ms from a warm one, 12-03). It writes {@link MEASURING} on stdout when the measured part starts.
   */
  warmupSeconds?: number;
  /** The body, with `"Random":<RANDOM>` where each request gets its own number. */
  bodyTemplate: string;
  /** First Random value, so runs against one Redis never repeat a callback. */
  firstRandom: number;
  /** Fixed request rate over all connections (paced open loop), for latency at a given load. */
  rate?: number;
  /** A JSON file with an array of bodies to send in turn instead of the template. */
  bodiesFile?: string;
}

/** The line the load generator writes when its warm-up is over and the measured part starts. */
export const MEASURING = 'measuring';

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
