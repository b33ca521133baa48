/**
 * An alert as the rules engine makes them (the `Alert` contract of @imwatch/queue, restated here
 * so this package needs no dependency on it); `n` makes the id and summary unique.
 */
export function sampleAlert<T extends object = Record<never, never>>(n: number, overrides?: T) {
  return {
    id: `al-${n.toString().padStart(6, '0')}`,
    rule: 'rate-limited-group',
    kind: 'threshold' as 'alert' | 'threshold',
    category: 'rate_limited' as 'muted' | 'rate_limited' | 'content_blocked' | 'invalid_request' | 'other',
    appId: '1400000000',
    groupId: '@TGS#2ABCDEF',
    groupType: 'Public',
    count: 20 + n,
    window: { start: 1_763_900_000_000, end: 1_763_900_060_000 },
    firstEventTime: 1_763_900_001_000,
    lastEventTime: 1_763_900_059_000,
    top: [
      { sender: 'user_a', count: 12 },
      { sender: 'user_b', count: 8 },
    ],
    summary: `Group @TGS#2ABCDEF hit the send-rate limit ${20 + n} times in 1 minute (alert ${n})`,
    ...overrides,
  };
}
