import type { SinkConfig, SinkType } from '@imwatch/config';
import type { RateLimit } from './sink.js';

/**
 * Each service's published limit per robot: WeCom and DingTalk 20 messages a minute, Feishu 100
 * a minute and 5 a second, Slack about 1 a second per incoming webhook.
 */
export const DEFAULT_RATE_LIMITS: Record<SinkType, { perMinute?: number; perSecond?: number }> = {
  log: {},
  webhook: {},
  email: {},
  slack: { perSecond: 1 },
  wecom: { perMinute: 20 },
  dingtalk: { perMinute: 20 },
  feishu: { perMinute: 100, perSecond: 5 },
};

/** The sink's limits: the service default, with any field the config sets replacing it. */
export function rateLimitsOf(config: SinkConfig): RateLimit[] {
  const merged = { ...DEFAULT_RATE_LIMITS[config.type], ...definedOnly(config.rateLimit ?? {}) };
  const limits: RateLimit[] = [];
  if (merged.perSecond !== undefined) limits.push({ max: merged.perSecond, windowMs: 1000 });
  if (merged.perMinute !== undefined) limits.push({ max: merged.perMinute, windowMs: 60_000 });
  return limits;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
