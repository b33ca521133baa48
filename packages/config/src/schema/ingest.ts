import { z } from 'zod';

/** The local disk spool that keeps callbacks acked while Redis is unreachable. */
const spoolSchema = z
  .strictObject({
    /** Directory (relative to imwatch.yaml's directory); `IMWATCH_SPOOL_DIR` overrides it. */
    dir: z.string().min(1).default('.data/spool'),
    /** Disk the spool may use; when it is full the ingest answers 503 (Tencent drops the event). */
    maxBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .max(2 ** 40)
      .default(1024 ** 3),
    /** Size of one segment file; acked callbacks are freed a whole file at a time. */
    segmentBytes: z
      .number()
      .int()
      .min(4 * 1024)
      .max(256 * 1024 ** 2)
      .default(4 * 1024 ** 2),
  })
  .prefault({});

export const ingestSchema = z
  .strictObject({
    /** Path of the callback route; Tencent sends every command of an app to this one URL. */
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9/_.-]*$/, 'must be an absolute URL path')
      .default('/callback'),
    /** Largest accepted body. Tencent caps a message at 12 KB; envelopes add a little. */
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(10 * 1024 * 1024)
      .default(64 * 1024),
    /** Allowed distance between RequestTime and now; Tencent documents 1 minute. */
    signatureMaxSkewSeconds: z.number().int().min(1).max(3600).default(60),
    /** A callback with the same id inside this window is acknowledged but not enqueued again. */
    dedupWindowSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .default(600),
    /** How much of a rejected body is kept in the rejections stream. */
    rejectedBodyBytes: z
      .number()
      .int()
      .min(0)
      .max(64 * 1024)
      .default(2048),
    /** Length cap of the rejections stream (approximate, `XADD MAXLEN ~`). */
    rejectionsMaxLen: z.number().int().min(100).max(10_000_000).default(10_000),
    /**
     * An enqueue slower than this (or failing) goes to the local spool and is acked from there.
     * Well under Tencent's 2 s callback timeout, leaving time for the spool's fsync.
     */
    enqueueTimeoutMs: z.number().int().min(10).max(10_000).default(500),
    /** Deadline for a whole request, headers and body: slow-loris clients are cut off. */
    requestTimeoutMs: z.number().int().min(1000).max(120_000).default(10_000),
    /** On SIGTERM, time to finish requests in flight before their connections are cut. */
    shutdownTimeoutMs: z.number().int().min(0).max(300_000).default(10_000),
    spool: spoolSchema,
  })
  .prefault({});
