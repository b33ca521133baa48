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
  } as const;
}
