import type { CallbackJob } from '@imwatch/queue';
import type { Logger } from '@imwatch/runtime';
import type { Spool, SpoolEntry } from '@imwatch/spool';
import { abortableSleep } from './abortable-sleep.js';
import type { CallbackEnqueuer } from './enqueuer.js';
import { within } from './within.js';

export interface SpoolReplayerOptions {
  spool: Spool<CallbackJob>;
  /** The queue enqueuer; its promise resolving means Redis has the job. */
  inner: CallbackEnqueuer;
  logger: Logger;
  /** Callbacks moved per round trip. */
  batchSize?: number;
  /** How often an empty spool is looked at again. */
  idleMs?: number;
  /** Pause after Redis refused, before trying again. */
  retryMs?: number;
  /** False when the connection is known to be down: wait instead of sending into the void. */
  redisUp?: () => boolean;
  /** An enqueue slower than this counts as failed (it may still land; the job id dedups it). */
  timeoutMs?: number;
  /** Called after each batch Redis took. */
  onProgress?: (moved: number) => void;
}

export interface SpoolReplayer {
  /** Callbacks moved to Redis since start. */
  readonly moved: number;
  /** Stops the loop after the current batch; with `drainMs`, first keeps draining for up to that long. */
  stop(options?: { drainMs?: number }): Promise<void>;
}

/**
 * Moves spooled callbacks into the queue, oldest first, as soon as Redis answers. A record is
 * acknowledged (and eventually deleted) only after Redis confirmed it, and only as part of an
 * unbroken run from the oldest one: a crash at any point replays, never skips.
 */
export function startSpoolReplayer(options: SpoolReplayerOptions): SpoolReplayer {
  const { spool, inner, logger, batchSize = 200, idleMs = 100, retryMs = 500, timeoutMs = 2000 } = options;
  const redisUp = options.redisUp ?? (() => true);
  const stopping = new AbortController();
  let drainUntil = 0;
  let moved = 0;
  let failures = 0;

  async function enqueue(job: CallbackJob): Promise<void> {
    if ((await within(inner.enqueue(job), timeoutMs)) === 'timeout') {
      throw new Error(`replay enqueue took longer than ${timeoutMs} ms`);
    }
  }

  /** Moves one batch; returns how many records went to Redis, or -1 when Redis refused. */
  async function moveBatch(entries: SpoolEntry<CallbackJob>[]): Promise<number> {
    // Sent together, in order, on one connection: Redis runs them oldest first.
    const outcomes = await Promise.allSettled(entries.map((entry) => enqueue(entry.value)));
    const firstFailure = outcomes.findIndex((outcome) => outcome.status === 'rejected');
    const confirmed = firstFailure === -1 ? entries.length : firstFailure;
    const last = entries[confirmed - 1];
    if (last) await spool.ack(last);
    if (firstFailure !== -1) {
      const failure = outcomes[firstFailure] as PromiseRejectedResult;
      if (failures++ % 20 === 0) {
        logger.warn(
          { err: (failure.reason as Error)?.message, depth: spool.depth },
          'spool replay: Redis not taking callbacks yet, retrying',
        );
      }
      return confirmed === 0 ? -1 : confirmed;
    }
    return confirmed;
  }

  const loop = (async () => {
    while (!stopping.signal.aborted || Date.now() < drainUntil) {
      let entries: SpoolEntry<CallbackJob>[];
      try {
        entries = await spool.peek(batchSize);
      } catch (error) {
        logger.error({ err: error }, 'spool replay: cannot read the spool');
        await abortableSleep(retryMs * 10, stopping.signal);
        continue;
      }
      if (entries.length === 0 || !redisUp()) {
        if (stopping.signal.aborted) break;
        await abortableSleep(entries.length === 0 ? idleMs : retryMs, stopping.signal);
        continue;
      }
      let count: number;
      try {
        count = await moveBatch(entries);
      } catch (error) {
        logger.error({ err: error }, 'spool replay: could not acknowledge a batch');
        count = -1;
      }
      if (count > 0) {
        if (moved === 0 || failures > 0)
          logger.info({ depth: spool.depth }, 'spool replay: Redis is taking callbacks');
        failures = 0;
        moved += count;
        options.onProgress?.(count);
        if (spool.depth === 0) logger.info({ moved }, 'spool replay: spool is empty');
      }
      if (count < entries.length) {
        if (stopping.signal.aborted) break;
        await abortableSleep(retryMs, stopping.signal);
      }
    }
  })();

  return {
    get moved() {
      return moved;
    },
    async stop({ drainMs = 0 } = {}) {
      drainUntil = Date.now() + drainMs;
      stopping.abort();
      // A batch stuck on a hung Redis is not waited for past the drain time: its records stay
      // unacknowledged in the spool (the spool refuses acks once closed) and are replayed later.
      await within(loop, drainMs + 100);
    },
  };
}
