import { z } from 'zod';

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
  })
  .prefault({});
