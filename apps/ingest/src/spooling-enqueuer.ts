import type { CallbackJob } from '@imwatch/queue';
import type { Logger } from '@imwatch/runtime';
import type { Spool } from '@imwatch/spool';
import type { CallbackEnqueuer } from './enqueuer.js';
import { within } from './within.js';

export interface SpoolingEnqueuerOptions {
  /** Where callbacks go when Redis answers: the queue enqueuer (plain or batching). */
  inner: CallbackEnqueuer;
  spool: Spool<CallbackJob>;
  /** An inner enqueue slower than this is given up on and the callback spooled instead. */
  timeoutMs: number;
  logger: Logger;
  /** False when the connection is known to be down: spool at once instead of waiting the timeout. */
  redisUp?: () => boolean;
  /** After a failure, callbacks go straight to the spool for this long instead of waiting. */
  retryAfterMs?: number;
  now?: () => number;
}

/** Counts since start, for logs and /readyz. */
export interface SpoolingStats {
  enqueued: number;
  spooled: number;
  /** Neither Redis nor the spool took it: answered 503. */
  refused: number;
}

export interface SpoolingEnqueuer extends CallbackEnqueuer {
  readonly stats: Readonly<SpoolingStats>;
  /** The replayer saw Redis take a callback: stop short-cutting to the spool. */
  redisRecovered(): void;
}

class EnqueueTimeout extends Error {
  override name = 'EnqueueTimeout';
}

/**
 * Wraps any CallbackEnqueuer so that a callback is acked even when Redis is down or slow: if the
 * inner enqueue fails or takes longer than `timeoutMs`, the callback is appended to the durable
 * local spool and the promise resolves once that is fsynced. It rejects only when the spool cannot
 * take it either (full or broken), and the ingest answers 503.
 *
 * A timed-out enqueue may still reach Redis later; the replayer then adds the same callback again
 * under the same job id, which BullMQ's job id and deduplication turn into a no-op.
 */
export function createSpoolingEnqueuer(options: SpoolingEnqueuerOptions): SpoolingEnqueuer {
  const {
    inner,
    spool,
    timeoutMs,
    logger,
    redisUp = () => true,
    retryAfterMs = 1000,
    now = Date.now,
  } = options;
  const stats: SpoolingStats = { enqueued: 0, spooled: 0, refused: 0 };
  let bypassUntil = 0;

  async function toSpool(job: CallbackJob, cause: unknown): Promise<void> {
    try {
      await spool.append(job);
    } catch (error) {
      stats.refused++;
      logger.error(
        { err: error, cause: (cause as Error)?.message, callbackId: job.callbackId, spoolBytes: spool.bytes },
        'callback refused: Redis unavailable and the spool cannot take it',
      );
      throw error;
    }
    stats.spooled++;
    if (stats.spooled === 1 || stats.spooled % 1000 === 0) {
      logger.warn(
        { cause: (cause as Error)?.message, spooled: stats.spooled, depth: spool.depth },
        'Redis unavailable: callbacks are acked from the local spool',
      );
    }
  }

  return {
    stats,
    redisRecovered() {
      bypassUntil = 0;
    },
    async enqueue(job, bodyText) {
      // While Redis is known to be away, don't make every request wait out the timeout.
      if (now() < bypassUntil) return toSpool(job, new Error('Redis recently unavailable'));
      if (!redisUp()) return toSpool(job, new Error('Redis connection is down'));
      try {
        // A timed-out attempt keeps running and may still land; `within` ignores its late failure.
        if ((await within(inner.enqueue(job, bodyText), timeoutMs)) === 'timeout') {
          throw new EnqueueTimeout(`enqueue took longer than ${timeoutMs} ms`);
        }
        stats.enqueued++;
      } catch (error) {
        bypassUntil = now() + retryAfterMs;
        return toSpool(job, error);
      }
    },
  };
}
