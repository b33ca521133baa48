import { resolve } from 'node:path';
import type { Config } from '@imwatch/config';
import type { CallbackJob } from '@imwatch/queue';
import type { Logger } from '@imwatch/runtime';
import { Spool } from '@imwatch/spool';
import type { CallbackEnqueuer } from './enqueuer.js';
import { startSpoolReplayer } from './spool-replayer.js';
import { createSpoolingEnqueuer, type SpoolingEnqueuer } from './spooling-enqueuer.js';

export interface Spooling {
  /** Use this as the app's enqueuer: acks from the spool when Redis is away. */
  enqueuer: SpoolingEnqueuer;
  spool: Spool<CallbackJob>;
  /** Stops the replayer (draining what Redis takes within `drainMs`), then fsyncs and closes. */
  close(drainMs?: number): Promise<void>;
}

/**
 * Opens the ingest's spool (repairing what a crash left), wraps `inner` with it, and starts the
 * replayer that moves spooled callbacks back into the queue. Called from main.ts.
 */
export async function startSpooling(
  config: Config,
  inner: CallbackEnqueuer,
  logger: Logger,
  /** Is the producer connection up? Lets both sides skip Redis at once while it is not. */
  redisUp: () => boolean = () => true,
): Promise<Spooling> {
  const { dir, maxBytes, segmentBytes } = config.ingest.spool;
  const spool = await Spool.open<CallbackJob>({ dir: resolve(dir), maxBytes, segmentBytes });
  const { recovery } = spool;
  logger[recovery.records > 0 || recovery.quarantined.length > 0 ? 'warn' : 'info'](
    { dir: resolve(dir), depth: spool.depth, bytes: spool.bytes, maxBytes, ...recovery },
    recovery.records > 0 ? 'spool holds callbacks from before the restart; replaying them' : 'spool open',
  );
  const enqueuer = createSpoolingEnqueuer({
    inner,
    spool,
    timeoutMs: config.ingest.enqueueTimeoutMs,
    logger,
    redisUp,
  });
  const replayer = startSpoolReplayer({
    spool,
    inner,
    logger,
    redisUp,
    onProgress: () => enqueuer.redisRecovered(),
  });
  return {
    enqueuer,
    spool,
    async close(drainMs = 2000) {
      await replayer.stop({ drainMs });
      await spool.close();
      logger.info({ depth: spool.depth, ...enqueuer.stats }, 'spool closed');
    },
  };
}
