import { z } from 'zod';

const retentionSchema = z.strictObject({
  /** Keep at most this many jobs. */
  count: z.number().int().min(0),
  /** Keep jobs at most this long (seconds). */
  ageSeconds: z.number().int().min(0),
});

export const queueSchema = z
  .strictObject({
    /** Attempts per callback job before it lands in the failed set. */
    attempts: z.number().int().min(1).max(100).default(8),
    /** First retry delay; doubles each attempt. */
    backoffMs: z.number().int().min(10).max(600_000).default(1000),
    /** Completed jobs kept for operators to look at; dedup does not depend on them. */
    keepCompleted: retentionSchema.default({ count: 1000, ageSeconds: 3600 }),
    /** Failed jobs kept for inspection and retry. */
    keepFailed: retentionSchema.default({ count: 100_000, ageSeconds: 14 * 24 * 3600 }),
  })
  .prefault({});

export const workerSchema = z
  .strictObject({
    /** Callback jobs processed at once per worker process. */
    concurrency: z.number().int().min(1).max(1000).default(50),
    /** Time a worker gets to finish its active jobs on shutdown. */
    shutdownTimeoutMs: z.number().int().min(0).max(600_000).default(30_000),
    /** A job whose worker stopped renewing its lock (e.g. crashed) for this long is taken back. */
    lockDurationMs: z.number().int().min(500).max(600_000).default(30_000),
    /** How often a worker looks for such stalled jobs. */
    stalledIntervalMs: z.number().int().min(500).max(600_000).default(30_000),
  })
  .prefault({});
