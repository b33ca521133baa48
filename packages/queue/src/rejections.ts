import type { Redis } from 'ioredis';

/** A refused callback, as kept in the rejections stream so nothing anyone sent vanishes. */
export interface RejectionRecord {
  reason: string;
  status: number;
  errorCode: number;
  message: string;
  appId?: string | undefined;
  command?: string | undefined;
  clientIp?: string | undefined;
  /** ms since the epoch */
  at: number;
  /** The body, cut to the configured length. */
  body: string;
  bodyBytes: number;
}

/** Appends to a capped stream (`XADD MAXLEN ~`), so the stream's memory is bounded by config. */
export async function recordRejection(
  redis: Redis,
  streamKey: string,
  record: RejectionRecord,
  maxLen: number,
): Promise<void> {
  const fields: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (value !== undefined) fields.push(key, String(value));
  }
  await redis.xadd(streamKey, 'MAXLEN', '~', maxLen, '*', ...fields);
}
