import { parseConfig, type SinkConfig } from '@imwatch/config';

/** One sink's config as imwatch.yaml would give it (YAML flow mapping), through the real parser. */
export function sinkConfig(yamlFlowMapping: string, env: Record<string, string> = {}): SinkConfig {
  const config = parseConfig(env, `apps: [{ sdkAppId: 1400000000 }]\nsinks:\n  s: ${yamlFlowMapping}\n`);
  const sink = config.sinks.s;
  if (!sink) throw new Error('sink s missing');
  return sink;
}

/** A fixed "now": 2026-11-23 12:00:00.123 UTC. */
export const NOW = Date.UTC(2026, 10, 23, 12, 0, 0, 123);

/** The default English text of `sampleAlert(1)`, written out by hand. */
export const SAMPLE_1_TEXT_EN = [
  'Group @TGS#2ABCDEF hit the send-rate limit 21 times in 1 minute (alert 1)',
  'Rule: rate-limited-group (threshold) · Category: rate limited',
  'App: 1400000000 · Group: @TGS#2ABCDEF (Public)',
  'Count: 21 · Window: 2025-11-23 12:13:20 UTC – 2025-11-23 12:14:20 UTC',
  'Top senders: user_a (12), user_b (8)',
].join('\n');
