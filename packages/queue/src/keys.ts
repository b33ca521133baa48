/**
 * Keys imwatch writes besides BullMQ's own (`<prefix>:<queue>:*`). All start with the prefix, so
 * with the default hash-tagged prefix they live in one Redis Cluster slot.
 */
export function imwatchKeys(prefix: string) {
  return {
    /** Stream of refused callbacks: reason, app, command, time, truncated body. */
    rejections: `${prefix}:rejections`,
    /** Stream of recent alerts. */
    alerts: `${prefix}:alerts`,
    /**
     * List of stored batches not yet moved onto the callbacks queue, newest first: each the JSON
     * list of a batch's StoredCallbacks, as the ingest stored it before its ack.
     */
    intake: `${prefix}:intake`,
    /** Zset whose one member wakes a blocked intake mover (BZPOPMIN) when the intake fills. */
    intakeMarker: `${prefix}:intake:marker`,
    /** List of batches the mover could not read, kept whole for an operator. */
    intakeDamaged: `${prefix}:intake:damaged`,
  } as const;
}
