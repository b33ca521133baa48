import { optsEncodeMap } from 'bullmq';
import type { Redis } from 'ioredis';
import { ADD_CALLBACKS_SCRIPT } from './add-callbacks.lua.js';
import { type CallbackQueue, callbackJobOptions } from './callbacks.js';
import type { CallbackJob } from './catalog.js';
import { scriptCaller } from './script-call.js';
import { storedCallback } from './stored-callback.js';

/**
 * Puts callbacks on the queue; one flag per callback: true = a new job, false = already there.
 * `bodyTexts[i]`, when given, is the text `jobs[i].body` was parsed from (see callbackJobJson).
 */
export type AddCallbacks = (
  jobs: readonly CallbackJob[],
  bodyTexts?: readonly (string | undefined)[],
) => Promise<boolean[]>;

/** Stands for the callback id while the options are cut into pieces; not a possible id. */
const ID_SLOT = '<callback id>';

/** Bounds how long one script call holds Redis: ~58,000 of its instructions per callback (BENCHMARKS.md). */
export const MAX_CALLBACKS_PER_ADD = 1000;

/**
 * Callback jobs straight onto the callbacks queue (the bench's prefill, tests; the ingest stores
 * batches on the intake instead, createBatchStore): the same jobs as `queue.add` with the callback
 * id as job id and deduplication key (see callbackJobOptions), but any number of them in one
 * script call. Measured on the ingest, when it still added callback jobs itself (BENCHMARKS.md):
 * server CPU per request 78 → 46 µs and Redis CPU 34 → 16 µs against a corked `queue.add` per
 * callback (Job object, msgpack, 11 commands each).
 */
export function createCallbackAdder(
  connection: Redis,
  queue: CallbackQueue,
  dedupWindowMs: number,
): AddCallbacks {
  const addScript = scriptCaller(connection, ADD_CALLBACKS_SCRIPT);
  const { keys, leadingArgs } = callbackAddParameters(queue, dedupWindowMs);

  return async (jobs, bodyTexts) => {
    if (jobs.length === 0) return [];
    if (jobs.length > MAX_CALLBACKS_PER_ADD) {
      throw new RangeError(`at most ${MAX_CALLBACKS_PER_ADD} callbacks per add, got ${jobs.length}`);
    }
    const args = leadingArgs(Date.now());
    for (let i = 0; i < jobs.length; i++)
      args.push(...storedCallback(jobs[i] as CallbackJob, bodyTexts?.[i]));
    const results = (await addScript(keys, args)) as number[];
    return results.map((added) => added === 1);
  };
}

/**
 * The keys and the first arguments of every script that adds callback jobs (ADD_JOB_LUA): the
 * callbacks queue's wait, meta, active and marker keys; the job key prefix, the time, the dedup
 * TTL and a callback job's options as `queue.add` stores them (queue defaults, then
 * callbackJobOptions), cut where the callback id goes (job id, deduplication id).
 */
export function callbackAddParameters(queue: CallbackQueue, dedupWindowMs: number) {
  const keys = ['wait', 'meta', 'active', 'marker'].map((type) => queue.toKey(type));
  const jobKeyPrefix = queue.toKey(''); // "<prefix>:callbacks:"
  const ttl = Math.round(dedupWindowMs);
  const optsPieces = JSON.stringify(
    encodeOpts({ ...queue.defaultJobOptions, ...callbackJobOptions(ID_SLOT, ttl) }),
  ).split(ID_SLOT);
  if (optsPieces.length !== 3) {
    throw new Error(
      `a callback job's options hold its id ${optsPieces.length - 1} times, the script joins 2`,
    );
  }
  return {
    keys,
    leadingArgs: (now: number): (string | number)[] => [jobKeyPrefix, now, ttl, ...optsPieces],
  };
}

/** BullMQ stores some options under short names (`deduplication` → `de`, …). */
function encodeOpts(opts: object): Record<string, unknown> {
  const encoded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(opts)) {
    if (value === undefined) continue;
    encoded[(optsEncodeMap as Record<string, string>)[name] ?? name] = value;
  }
  return encoded;
}
