import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

const APPS = 'apps: [{ sdkAppId: 1400000000 }]\n';
const shipped = readFileSync(new URL('../../../imwatch.yaml', import.meta.url), 'utf8');

function problemsOf(text: string): string {
  try {
    parseConfig({}, text);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('rules config', () => {
  it('uses the shipped default rules when rules are left out', () => {
    const config = parseConfig({}, APPS);
    expect(config.rules.map((rule) => rule.name)).toEqual([
      'muted-sender',
      'rate-limited-group',
      'rate-limited-sender',
      'content-blocked-sender',
      'invalid-request',
      'unknown-error-code',
    ]);
    const group = config.rules.find((rule) => rule.name === 'rate-limited-group');
    expect(group).toMatchObject({ kind: 'threshold', windowMs: 60_000, threshold: 20, topSenders: 5 });
    expect(config.rules.find((rule) => rule.name === 'unknown-error-code')).toMatchObject({
      kind: 'alert',
      cooldownMs: 24 * 3_600_000,
      match: { knownErrorCode: false },
      groupBy: ['app', 'errorCode'],
    });
    expect(config.alerting).toMatchObject({
      defaultSinks: ['log'],
      countersRetentionDays: 7,
      counterWindow: 60_000,
      fineCountersRetention: 24 * 3_600_000,
      coarseCounterWindow: 3_600_000,
      inhibit: [
        { source: 'muted-sender', target: ['rate-limited-sender'], equal: ['app', 'group', 'sender'] },
      ],
    });
  });

  it('ships the same defaults explicitly in imwatch.yaml', () => {
    const explicit = parseConfig({}, shipped);
    const implicit = parseConfig({}, APPS);
    expect(explicit.rules).toEqual(implicit.rules);
    expect(explicit.alerting).toEqual(implicit.alerting);
  });

  it('parses durations, accepts group_by and keeps only the inhibitions of configured rules', () => {
    const config = parseConfig(
      {},
      `${APPS}sinks: { ops: { type: log } }
rules:
  - name: big-groups
    kind: threshold
    match: { groupId: "^@TGS#", groupType: [AVChatRoom], platform: [Android] }
    group_by: [app, group]
    window: 30s
    threshold: 100
    sinks: [ops]
  - name: muted-sender
    kind: alert
    match: { category: [muted] }
    groupBy: [app, sender]
    cooldown: 2h
`,
    );
    expect(config.rules[0]).toMatchObject({
      groupBy: ['app', 'group'],
      windowMs: 30_000,
      threshold: 100,
      sinks: ['ops'],
      enabled: true,
    });
    expect(config.rules[1]?.cooldownMs).toBe(7_200_000);
    expect(config.alerting.inhibit).toEqual([]);
  });

  it('names every problem of a bad rules file with its path', () => {
    const message = problemsOf(`${APPS}rules:
  - name: Bad Name
    kind: alert
    match: { category: [muted, angry], groupId: "(" }
    groupBy: [app, room]
  - name: slow
    kind: threshold
    window: 10 minutes
  - name: slow
    kind: alert
    cooldown: 5m
    window: 1m
alerting:
  inhibit: [{ source: nobody, target: [slow], equal: [sender] }]
  guardTtl: 1m
`);
    expect(message).toContain('rules.0.name: must be lower-case letters');
    expect(message).toContain('rules.0.match.category.1: must be one of muted, rate_limited');
    expect(message).toContain('rules.0.match.groupId: not a valid regular expression');
    expect(message).toContain('rules.0.groupBy.1: must be one of app, group, sender');
    expect(message).toContain('rules.1.window: "10 minutes" is not a duration like 30s, 10m');
    expect(message).toContain('rules.2.window: not used by a kind: alert rule');
  });

  it('says which setting a rule of each kind is missing', () => {
    const message = problemsOf(`${APPS}rules:
  - { name: a, kind: alert, groupBy: [app, app] }
  - { name: b, kind: threshold, window: 1m, topSenders: 3 }
`);
    expect(message).toContain('rules.0.cooldown: required for a kind: alert rule');
    expect(message).toContain('rules.0.groupBy: lists a label twice');
    expect(message).toContain('rules.1.threshold: required for a kind: threshold rule');
  });

  it('checks names across sections once the rules themselves are valid', () => {
    const message = problemsOf(`${APPS}rules:
  - { name: a, kind: alert, cooldown: 5m }
  - { name: a, kind: threshold, window: 1m, threshold: 3 }
alerting:
  inhibit: [{ source: nobody, target: [a], equal: [sender] }]
  guardTtl: 1m
`);
    expect(message).toContain('rules.1.name: duplicate rule name a');
    expect(message).toContain('alerting.inhibit.0.source: no rule named nobody');
    expect(message).toMatch(/alerting\.guardTtl: must be at least \d+s/);
  });

  it('reads the two counter tiers and keeps the defaults for a section without them', () => {
    const set = parseConfig(
      {},
      `${APPS}alerting: { counterWindow: 30s, fineCountersRetention: 6h, coarseCounterWindow: 15m, countersRetentionDays: 30 }`,
    );
    expect(set.alerting).toMatchObject({
      counterWindow: 30_000,
      fineCountersRetention: 6 * 3_600_000,
      coarseCounterWindow: 15 * 60_000,
      countersRetentionDays: 30,
    });
    const older = parseConfig({}, `${APPS}alerting: { countersRetentionDays: 3, counterWindow: 1m }`);
    expect(older.alerting).toMatchObject({
      fineCountersRetention: 86_400_000,
      coarseCounterWindow: 3_600_000,
    });
  });

  it('refuses counter tiers that cannot agree', () => {
    const message = problemsOf(
      `${APPS}alerting: { counterWindow: 1m, coarseCounterWindow: 90s, countersRetentionDays: 1, fineCountersRetention: 2d }`,
    );
    expect(message).toContain(
      'alerting.coarseCounterWindow: must be a multiple of counterWindow (60s), got 90s',
    );
    expect(message).toContain('alerting.fineCountersRetention: must not exceed countersRetentionDays (1d)');
    expect(problemsOf(`${APPS}alerting: { fineCountersRetention: 1 day }`)).toContain(
      'alerting.fineCountersRetention: "1 day" is not a duration',
    );
  });

  it('lets rules be switched off entirely', () => {
    expect(parseConfig({}, `${APPS}rules: []`).rules).toEqual([]);
  });
});

describe('alerting.guardTtl', () => {
  // Defaults: dedup window 600 s; backoffs 1 s × (2^7 − 1) = 127 s, lock 30 s, stalled check 30 s:
  // 600 + 187 = 787 s.
  it('must outlast the dedup window, the retries and a stalled-job recovery', () => {
    expect(problemsOf(`${APPS}alerting: { guardTtl: 786s }`)).toContain(
      'alerting.guardTtl: must be at least 787s',
    );
    expect(parseConfig({}, `${APPS}alerting: { guardTtl: 787s }`).alerting.guardTtl).toBe(787_000);
  });

  it('grows with the retries a longer backoff allows', () => {
    const text = `${APPS}queue: { attempts: 3, backoffMs: 10000 }\nalerting: { guardTtl: 16m }`;
    // 600 + 10 × 3 + 60 = 690 s: 16 minutes pass.
    expect(parseConfig({}, text).alerting.guardTtl).toBe(960_000);
    // 600 + 10 × 127 + 60 = 1930 s.
    expect(
      problemsOf(`${APPS}queue: { attempts: 8, backoffMs: 10000 }\nalerting: { guardTtl: 30m }`),
    ).toMatch(/guardTtl: must be at least 1930s/);
  });
});
