import type { Redis } from 'ioredis';
import { callbackAddParameters } from './add-callbacks.js';
import type { CallbackQueue } from './callbacks.js';
import { MOVE_BATCHES_SCRIPT } from './intake.lua.js';
import { imwatchKeys } from './keys.js';
import { scriptCaller } from './script-call.js';

/** Batches one move call takes (up to 16 callbacks each): a few ms of Redis per call at most. */
export const BATCHES_PER_MOVE = 8;

/** What one move call did. */
export interface MoveResult {
  /** Batches taken from the intake and turned into callback jobs. */
  batches: number;
  /** Callbacks in them. */
  callbacks: number;
  /** New callback jobs; the rest were there already (a repeat inside the dedup window). */
  added: number;
  /** Batches that could not be read, moved whole to the damaged list. */
  damaged: number;
}

export interface IntakeMoverDeps {
  /** For the move calls; a second connection is made from it for the blocking wait. */
  connection: Redis;
  prefix: string;
  /** Where the callbacks go: its default job options are the callback jobs' options. */
  callbacks: CallbackQueue;
  dedupWindowMs: number;
  /** Longest blocking wait for new batches before looking again, seconds (default 5). */
  idleWaitSeconds?: number;
  onMoved?: (result: MoveResult) => void;
  /** Redis errors; the mover waits a moment and goes on (default: ignored). */
  onError?: (error: Error) => void;
}

export interface IntakeMover {
  /** Stops after the move in progress, if any; resolves when the loop has ended. */
  close(): Promise<void>;
}

/**
 * Moves what the ingest stored onto the callbacks queue: each batch on the intake list becomes
 * one callback job per callback, under its callback id, deduplicated as `queue.add` with
 * callbackJobOptions would (MOVE_BATCHES_SCRIPT). A batch is taken and its callbacks added in one
 * atomic script call, so there is nothing to recover after a crash and no batch moves twice. The
 * loop moves while there are batches and blocks on the intake's marker (BZPOPMIN) once the list is
 * empty; any number of movers may run, in any number of processes.
 */
export function createIntakeMover({
  connection,
  prefix,
  callbacks,
  dedupWindowMs,
  idleWaitSeconds = 5,
  onMoved,
  onError = () => {},
}: IntakeMoverDeps): IntakeMover {
  const move = scriptCaller(connection, MOVE_BATCHES_SCRIPT);
  const { intake, intakeDamaged, intakeMarker } = imwatchKeys(prefix);
  const add = callbackAddParameters(callbacks, dedupWindowMs);
  const keys = [intake, intakeDamaged, ...add.keys];
  const blocking = connection.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
  blocking.on('error', () => {}); // reported through the calls that fail
  let closing = false;

  async function moveOnce(): Promise<MoveResult> {
    const reply = (await move(keys, [...add.leadingArgs(Date.now()), BATCHES_PER_MOVE])) as number[];
    const [batches = 0, callbacks = 0, added = 0, damaged = 0] = reply;
    return { batches, callbacks, added, damaged };
  }

  async function loop() {
    while (!closing) {
      try {
        const result = await moveOnce();
        if (result.batches + result.damaged > 0) {
          onMoved?.(result);
          continue;
        }
        // Empty: wait for the marker every store sets after its push.
        await blocking.bzpopmin(intakeMarker, idleWaitSeconds);
      } catch (error) {
        if (closing) break;
        onError(error as Error);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  const running = loop();
  return {
    async close() {
      closing = true;
      blocking.disconnect(); // ends a pending BZPOPMIN at once
      await running;
    },
  };
}
