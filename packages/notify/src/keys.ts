/**
 * Redis keys of notification delivery, all under the configured prefix (one Cluster slot with the
 * default hash-tagged prefix). Every key has a TTL; see docs/sinks.md.
 */
export function notifyKeys(prefix: string, sink: string) {
  const base = `${prefix}:notify:${sink}`;
  return {
    /** Sorted set of sends in the last `windowMs` (score = send time), one per limit. */
    rate: (windowMs: number) => `${base}:rate:${windowMs}`,
    /** List of alerts held back by the rate limit, waiting for the next digest (JSON entries). */
    digestEntries: `${base}:digest:entries`,
    /** How many alerts are held back, including those beyond the list's cap. */
    digestTotal: `${base}:digest:total`,
    /** Generation of the pending digest; a digest job claims the buffer for its generation. */
    digestGen: `${base}:digest:gen`,
    /** A claimed buffer, kept until the digest job has copied it into its own data. */
    claimedEntries: (gen: number) => `${base}:digest:claimed:${gen}:entries`,
    claimedTotal: (gen: number) => `${base}:digest:claimed:${gen}:total`,
  } as const;
}

/** Marks a delivery job whose alert went into a digest, so a re-run does not add it twice. */
export const heldKey = (prefix: string, jobId: string) => `${prefix}:notify:held:${jobId}`;
