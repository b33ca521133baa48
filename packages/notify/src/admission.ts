import { type Alert, type DigestEntry, digestEntrySchema } from '@imwatch/queue';
import type { Redis } from 'ioredis';
import { heldKey, notifyKeys } from './keys.js';
import type { RateLimit } from './sink.js';

export const toDigestEntry = (alert: Alert): DigestEntry => ({
  id: alert.id,
  rule: alert.rule,
  category: alert.category,
  appId: alert.appId,
  summary: alert.summary,
  lastEventTime: alert.lastEventTime,
});

/** How long state lives: long enough for any re-run or pending digest, bounded so memory is. */
export interface AdmissionTtls {
  /** The "went into a digest" marker of a delivery job (covers stalled re-runs and retries). */
  heldMs: number;
  /** Held-back alerts and claimed buffers waiting for their digest. */
  digestMs: number;
}

export const DEFAULT_TTLS: AdmissionTtls = { heldMs: 24 * 3600_000, digestMs: 7 * 24 * 3600_000 };

// Sliding-window check of every limit, then either one slot in each window or (for a delivery)
// the alert into the digest buffer. One script, so concurrent workers never overshoot a limit
// and a job re-run after the buffer step finds its marker instead of buffering twice.
// KEYS: held, entries, total, gen, rate keys...  ARGV: mode, now, member, entry, maxEntries,
// heldTtl, digestTtl, then max and window of each rate key.
const ADMIT = `
local mode, now, member = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if mode == 'deliver' and redis.call('EXISTS', KEYS[1]) == 1 then
  return {2, 0, tonumber(redis.call('GET', KEYS[4]) or '0')}
end
local wait = 0
for i = 5, #KEYS do
  local max, window = tonumber(ARGV[2 * (i - 5) + 8]), tonumber(ARGV[2 * (i - 5) + 9])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local used = redis.call('ZCARD', KEYS[i])
  if used >= max then
    local oldest = redis.call('ZRANGE', KEYS[i], used - max, used - max, 'WITHSCORES')
    local opens = tonumber(oldest[2]) + window - now
    if opens > wait then wait = opens end
  end
end
if wait == 0 then
  for i = 5, #KEYS do
    redis.call('ZADD', KEYS[i], now, member)
    redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 * (i - 5) + 9]))
  end
  return {1, 0, 0}
end
if mode ~= 'deliver' then return {0, wait, 0} end
if redis.call('LLEN', KEYS[2]) < tonumber(ARGV[5]) then redis.call('RPUSH', KEYS[2], ARGV[4]) end
redis.call('INCR', KEYS[3])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[7]))
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[7]))
redis.call('SET', KEYS[1], '1', 'PX', tonumber(ARGV[6]))
local gen = tonumber(redis.call('GET', KEYS[4]) or '0')
return {2, wait, gen}
`;

/**
 * Outcome of asking for a slot: `send` now, `wait` (a digest may only wait), or `held` — the alert
 * is in the digest buffer of generation `gen`, to be sent by that generation's digest job.
 */
export type Admission =
  | { decision: 'send' }
  | { decision: 'wait'; waitMs: number }
  | { decision: 'held'; waitMs: number; gen: number };

export interface AdmitRequest {
  prefix: string;
  sink: string;
  limits: readonly RateLimit[];
  now: number;
  /** Unique per attempt, e.g. job id + attempt. */
  member: string;
  ttls: AdmissionTtls;
}

/** A delivery asks for a slot; over the limit its alert is held for the next digest. */
export async function admitDelivery(
  redis: Redis,
  request: AdmitRequest & { jobId: string; alert: Alert; maxEntries: number },
): Promise<Admission> {
  return admit(redis, 'deliver', request, heldKey(request.prefix, request.jobId), [
    JSON.stringify(toDigestEntry(request.alert)),
    String(request.maxEntries),
  ]);
}

/** A digest asks for a slot; over the limit it must wait `waitMs`. */
export async function admitDigest(redis: Redis, request: AdmitRequest): Promise<Admission> {
  return admit(redis, 'digest', request, heldKey(request.prefix, request.member), ['', '0']);
}

async function admit(
  redis: Redis,
  mode: 'deliver' | 'digest',
  request: AdmitRequest,
  held: string,
  [entry, maxEntries]: [string, string],
): Promise<Admission> {
  if (request.limits.length === 0) return { decision: 'send' };
  const keys = notifyKeys(request.prefix, request.sink);
  const rateKeys = request.limits.map((limit) => keys.rate(limit.windowMs));
  const limitArgs = request.limits.flatMap((limit) => [String(limit.max), String(limit.windowMs)]);
  const [code, waitMs, gen] = (await redis.eval(
    ADMIT,
    4 + rateKeys.length,
    held,
    keys.digestEntries,
    keys.digestTotal,
    keys.digestGen,
    ...rateKeys,
    mode,
    String(request.now),
    request.member,
    entry,
    maxEntries,
    String(request.ttls.heldMs),
    String(request.ttls.digestMs),
    ...limitArgs,
  )) as [number, number, number];
  if (code === 1) return { decision: 'send' };
  if (code === 2) return { decision: 'held', waitMs, gen };
  return { decision: 'wait', waitMs };
}

// Takes the buffer for generation ARGV[1] and opens the next generation. A re-run of the same
// digest job finds its claimed buffer again; a stale job (older generation) gets nothing.
// KEYS: entries, total, gen, claimedEntries, claimedTotal.  ARGV: gen, ttl
const CLAIM = `
if redis.call('EXISTS', KEYS[5]) == 1 then
  return {redis.call('GET', KEYS[5]), redis.call('LRANGE', KEYS[4], 0, -1)}
end
if tonumber(redis.call('GET', KEYS[3]) or '0') ~= tonumber(ARGV[1]) then return {'0', {}} end
redis.call('INCR', KEYS[3])
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[2]))
if redis.call('EXISTS', KEYS[2]) == 0 then return {'0', {}} end
redis.call('RENAME', KEYS[2], KEYS[5])
redis.call('PEXPIRE', KEYS[5], tonumber(ARGV[2]))
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[4])
  redis.call('PEXPIRE', KEYS[4], tonumber(ARGV[2]))
end
return {redis.call('GET', KEYS[5]), redis.call('LRANGE', KEYS[4], 0, -1)}
`;

export interface DigestBatch {
  total: number;
  entries: DigestEntry[];
}

/** Claims the held-back alerts of generation `gen`; an empty batch means nothing to send. */
export async function claimDigest(
  redis: Redis,
  prefix: string,
  sink: string,
  gen: number,
  ttls: AdmissionTtls,
): Promise<DigestBatch> {
  const keys = notifyKeys(prefix, sink);
  const [total, entries] = (await redis.eval(
    CLAIM,
    5,
    keys.digestEntries,
    keys.digestTotal,
    keys.digestGen,
    keys.claimedEntries(gen),
    keys.claimedTotal(gen),
    String(gen),
    // The generation counter outlives every job id built from it (completed jobs are kept a day).
    String(Math.max(ttls.digestMs, 30 * 24 * 3600_000)),
  )) as [string, string[]];
  return {
    total: Number(total),
    entries: entries.map((entry) => digestEntrySchema.parse(JSON.parse(entry))),
  };
}

/** Drops a claimed buffer once the digest job holds it in its own data. */
export async function releaseClaim(redis: Redis, prefix: string, sink: string, gen: number): Promise<void> {
  const keys = notifyKeys(prefix, sink);
  await redis.del(keys.claimedEntries(gen), keys.claimedTotal(gen));
}
