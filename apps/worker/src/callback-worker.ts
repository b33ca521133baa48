import { CALLBACKS_QUEUE, type CallbackJob, checkCallbackJob } from '@imwatch/queue';
import type { Logger } from '@imwatch/runtime';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';

/** What happens to one validated callback; the rules engine plugs in here. */
export type CallbackHandler = (callback: CallbackJob, job: Job<unknown, void, string>) => Promise<void>;

export interface CallbackWorkerDeps {
  connection: Redis;
  prefix: string;
  concurrency: number;
  logger: Logger;
  handle: CallbackHandler;
  /** Start consuming at once (default) or wait for `worker.run()`. */
  autorun?: boolean;
  /** A crashed worker's job is taken back once its lock is this old (BullMQ default 30 s). */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (BullMQ default 30 s). */
  stalledIntervalMs?: number;
  /** Worker errors (mostly Redis connection errors); default: logged at error level. */
  onError?: (error: Error) => void;
}

/**
 * Consumes the callbacks queue. Job data is checked on dequeue: data that can never be valid
 * fails at once without retries instead of burning attempts.
 */
export function createCallbackWorker({
  connection,
  prefix,
  concurrency,
  logger,
  handle,
  autorun = true,
  lockDurationMs,
  stalledIntervalMs,
  onError = (error) => logger.error({ err: error }, 'callback worker error'),
}: CallbackWorkerDeps) {
  const worker = new Worker<unknown, void, string>(
    CALLBACKS_QUEUE,
    async (job) => {
      const checked = checkCallbackJob(job.data);
      if (!checked.ok) throw new UnrecoverableError(`invalid callback job data: ${checked.error}`);
      // Dispatch is by job name; the ingest names each job after the command in its data.
      if (checked.job.command !== job.name) {
        throw new UnrecoverableError(
          `invalid callback job data: job name ${job.name} differs from command ${checked.job.command}`,
        );
      }
      await handle(checked.job, job);
    },
    {
      connection,
      prefix,
      concurrency,
      autorun,
      ...(lockDurationMs ? { lockDuration: lockDurationMs } : {}),
      ...(stalledIntervalMs ? { stalledInterval: stalledIntervalMs } : {}),
    },
  );
  worker.on('error', onError);
  worker.on('failed', (job, error) =>
    logger.warn(
      { jobId: job?.id, command: job?.name, attempts: job?.attemptsMade, err: error.message },
      'callback job failed',
    ),
  );
  return worker;
}

/** The handler before any rules exist: one log line per callback. */
export function logCallback(logger: Logger): CallbackHandler {
  return async (callback) => {
    logger.info(
      {
        callbackId: callback.callbackId,
        appId: callback.appId,
        command: callback.command,
        receivedAt: callback.receivedAt,
      },
      'callback',
    );
  };
}
