/**
 * The Node flags the ingest runs with, everywhere it is started: `npm start`
 * (scripts/start.mjs), `npm run start -w apps/ingest`, the Dockerfile and docker-compose.yml (both
 * checked by packages/runtime/src/deployment.test.ts) and `npm run bench`.
 *
 * An 8 MB young generation: half the scavenges of a 4 MB one, −40% GC time under load. The old
 * generation grows by half its live size between full collections (`--heap-growing-percent=50`)
 * instead of V8's adaptive factor of up to 4×: the ingest keeps little alive (the requests in
 * flight), so full collections stay cheap, and garbage that a busy or starved process promotes no
 * longer piles up before one. Flat out at 100 connections peak RSS was 105–118 MB with both flags
 * against 119–132 MB (outliers 153–163 on a starved host) with the 4 MB young generation alone,
 * and 140–167 MB with V8's defaults (BENCHMARKS.md). A growth factor, unlike a cap on the old
 * space, can never end the process with an out-of-memory error. Flags must be on the command
 * line: V8 sizes the heap before any code runs.
 */
export const INGEST_NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=50'] as const;
