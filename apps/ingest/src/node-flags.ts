/**
 * The Node flags the ingest runs with, everywhere it is started: `npm start`
 * (scripts/start.mjs), `npm run start -w apps/ingest`, the Dockerfile and docker-compose.yml (both
 * checked by packages/runtime/src/deployment.test.ts) and `npm run bench`.
 *
 * A 4 MB young generation instead of V8's 16 MB: under load the ingest's peak RSS stays at
 * ~120–125 MB instead of 140–167 MB (100 connections flat out), for 5–7% fewer requests a second
 * (BENCHMARKS.md). Flags must be on the command line: V8 sizes the heap before any code runs.
 */
export const INGEST_NODE_FLAGS = ['--max-semi-space-size=4'] as const;
