import type { Redis } from 'ioredis';
import type { CallbackJob } from './catalog.js';
import { imwatchKeys } from './keys.js';
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
 * (storedBatchText), one `LPUSH` however many callbacks it carries, and the wake-up for a mover
 * blocked on the intake's marker. The worker's intake mover turns each into callback jobs
 * (createIntakeMover). Against adding the callback jobs here (createCallbackAdder): a hash, a dedup
 * key and ~10 commands per callback leave the ack's path (BENCHMARKS.md).
 *
 * Plain commands, not a script: Redis's Lua hashes every byte of an argument it is handed, ~9
 * instructions a byte, and a batch is ~1 KB per callback. The marker is set with every batch,
 * written with the push, so no round trip waits on the push's reply to decide; a marker left while
 * the mover was busy costs it one empty look. The ack waits for the push alone: if the marker
 * does not land (the connection drops between the two), the mover finds the batch at its next
 * idle look (idleWaitSeconds).
 */
export function createBatchStore(connection: Redis, prefix: string): StoreBatch {
  const { intake, intakeMarker } = imwatchKeys(prefix);
  return async (jobs, bodyTexts) => {
    if (jobs.length === 0) return;
    const batch = jobs.map((job, i) => storedCallback(job, bodyTexts?.[i]));
    const pushed = connection.lpush(intake, storedBatchText(batch));
    // Its failure changes nothing the caller could act on (see above); the push's reply decides.
    connection.zadd(intakeMarker, 0, '0').catch(() => {});
    await pushed;
  };
}
