import type { Redis } from 'ioredis';
import type { CallbackJob } from './catalog.js';
import { STORE_BATCH_SCRIPT } from './intake.lua.js';
import { imwatchKeys } from './keys.js';
import { scriptCaller } from './script-call.js';
import { storedBatchText, storedCallback } from './stored-callback.js';

/**
 * Stores callbacks as one batch; resolves once Redis holds them, with nothing the caller needs.
 * `bodyTexts[i]`, when given, is the text `jobs[i].body` was parsed from (see callbackJobJson).
 */
export type StoreBatch = (
  jobs: readonly CallbackJob[],
  bodyTexts?: readonly (string | undefined)[],
) => Promise<unknown>;

/**
 * The ingest's way into Redis: all callbacks of a batch as one entry of the intake list
 * (storedBatchText), one small script call however many callbacks it carries. The
 * worker's intake mover turns each into callback jobs (createIntakeMover). Against adding the
 * callback jobs here (createCallbackAdder): a hash, a dedup key and ~10 commands per callback
 * leave the ack's path (BENCHMARKS.md).
 */
export function createBatchStore(connection: Redis, prefix: string): StoreBatch {
  const store = scriptCaller(connection, STORE_BATCH_SCRIPT);
  const { intake, intakeMarker } = imwatchKeys(prefix);
  const keys = [intake, intakeMarker];
  return async (jobs, bodyTexts) => {
    if (jobs.length === 0) return;
    const batch = jobs.map((job, i) => storedCallback(job, bodyTexts?.[i]));
    await store(keys, [storedBatchText(batch)]);
  };
}
