import { type RejectionRecord, recordRejection } from '@imwatch/queue';
import type { Logger } from '@imwatch/runtime';
import type { Redis } from 'ioredis';
import { within } from './within.js';

/** Keeps a record of every refused callback. Never throws: a refusal must still be answered. */
export interface RejectionLog {
  record(entry: RejectionRecord): Promise<void>;
}

export function createRejectionLog(
  redis: Redis,
  streamKey: string,
  maxLen: number,
  logger: Logger,
  /** The refusal is answered after at most this long, recorded in Redis or not. */
  timeoutMs = 1000,
): RejectionLog {
  return {
    async record(entry) {
      // The log line is the record of last resort when Redis is unreachable.
      logger.warn(
        {
          reason: entry.reason,
          status: entry.status,
          appId: entry.appId,
          command: entry.command,
          bytes: entry.bodyBytes,
        },
        `callback rejected: ${entry.message}`,
      );
      try {
        if ((await within(recordRejection(redis, streamKey, entry, maxLen), timeoutMs)) === 'timeout') {
          logger.error(
            { reason: entry.reason, timeoutMs },
            'recording a rejection in Redis is slow; answered anyway',
          );
        }
      } catch (error) {
        logger.error({ err: error, reason: entry.reason }, 'could not record rejection in Redis');
      }
    },
  };
}
