/**
 * The Node flags the worker runs with, everywhere it is started: `npm start`
 * (scripts/start.mjs), `npm run start -w apps/worker`, docker-compose.yml (checked by
 * packages/runtime/src/deployment.test.ts) and `npm run bench`.
 *
 * One thread for garbage collection (`--single-threaded-gc`): a worker shares its machine with
 * Redis, which is as busy as it is while a backlog drains, and V8's parallel scavenges and
 * concurrent marking then compete with Redis for the cores instead of running beside it. Draining
 * 20,000 mixed callbacks on 2 cores (four A/Bs of 5–7 rounds, BENCHMARKS.md) the worker spent ~10%
 * less CPU per callback in three (117–159 against 131–173 µs; the same, 163 against 162, on a slow
 * host), and its peak RSS was 136–138 against 153–159 MB in all four. The worker answers no
 * requests, so a longer pause of its own costs only drain time. The ingest gained nothing from it
 * and its paced p99 got worse, so it keeps V8's threads (apps/ingest/src/node-flags.ts).
 * Flags must be on the command line: V8 sets up its collector before any code runs.
 */
export const WORKER_NODE_FLAGS = ['--single-threaded-gc'] as const;
