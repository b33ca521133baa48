import type { Redis } from 'ioredis';
import type { CallbackJob } from './catalog.js';
import { STORE_BATCH_SCRIPT } from './intake.lua.js';
import { imwatchKeys } from './keys.js';
import { scriptCaller } from './script-call.js';
import { type StoredCallback, storedBatchText, storedCallback } from './stored-callback.js';

/** Stores callbacks as one batch; resolves once Redis has it. */
export type StoreBatch = (
  jobs: readonly CallbackJob[],
  bodyTexts?: readonly (string | undefined)[],
) => Promise<void>;

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
    const batch: StoredCallback[] = new Array(jobs.length);
    for (let i = 0; i < jobs.length; i++) batch[i] = storedCallback(jobs[i] as CallbackJob, bodyTexts?.[i]);
    await store(keys, [storedBatchText(batch)]);
  };
}
