import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

const APPS = 'apps: [{ sdkAppId: 1400000001 }]\n';

function problemsOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(env, APPS + text);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('sinks config', () => {
  it('always has a log sink, even with no sinks section', () => {
    const config = parseConfig({}, APPS);
    expect(config.sinks).toEqual({
      log: {
        type: 'log',
        level: 'warn',
        locale: 'en',
        timeoutMs: 10_000,
        digest: { maxLines: 10, maxEntries: 1000 },
      },
    });
  });

  it('parses every sink type with defaults and secrets from the environment', () => {
    const text = [
      'sinks:',
      '  hook: { type: webhook, url: "https://example.com/hook", secret: "${HOOK_SECRET}", headers: { X-Team: ops } }',
      '  slack: { type: slack, webhookUrl: "https://hooks.slack.com/services/T/B/X" }',
      '  wecom: { type: wecom, key: "${WECOM_KEY}", msgType: markdown, locale: zh-CN }',
      '  ding: { type: dingtalk, accessToken: abc, secret: SECxyz, atMobiles: ["13800000000"] }',
      '  feishu: { type: feishu, webhookUrl: "https://open.feishu.cn/open-apis/bot/v2/hook/x", secret: s }',
      '  mail: { type: email, smtpUrl: "smtp://u:p@mail.example.com:587", from: "imwatch@example.com", to: [ops@example.com] }',
      '  log: { type: log, level: info, templates: { text: "{{summary}} ({{count}})" } }',
    ].join('\n');
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const config = parseConfig({ HOOK_SECRET: secret, WECOM_KEY: 'k-1' }, APPS + text);
    expect(config.sinks.hook).toMatchObject({ type: 'webhook', secret, headers: { 'X-Team': 'ops' } });
    expect(config.sinks.wecom).toMatchObject({
      type: 'wecom',
      key: 'k-1',
      msgType: 'markdown',
      locale: 'zh-CN',
    });
    expect(config.sinks.ding).toMatchObject({
      type: 'dingtalk',
      atAll: false,
      msgType: 'text',
      timeoutMs: 10_000,
    });
    expect(config.sinks.log).toMatchObject({ type: 'log', level: 'info' });
    expect(Object.keys(config.sinks).sort()).toEqual([
      'ding',
      'feishu',
      'hook',
      'log',
      'mail',
      'slack',
      'wecom',
    ]);
  });

  it('names every bad sink key with its path', () => {
    const text = [
      'sinks:',
      '  a: { type: wecom }',
      '  b: { type: pager }',
      '  c: { type: webhook, url: "ftp://x", secret: "abc" }',
      '  d: { type: slack, webhookUrl: "https://x", templates: { text: "{{summry}}" } }',
      '  "e:f": { type: log }',
      '  g: { type: email, host: mail, from: a@b.c, to: [] }',
      '  h: { type: dingtalk, accessToken: t, rateLimit: { perMinute: 0 } }',
      '  i: { type: feishu, webhookUrl: "https://x", colour: red }',
    ].join('\n');
    const joined = problemsOf(text).join('\n');
    expect(joined).toContain('sinks.a.webhookUrl: set exactly one of webhookUrl and key');
    expect(joined).toMatch(/sinks\.b\.type: .*webhook/);
    expect(joined).toContain('sinks.c.url: must be an http(s) URL');
    expect(joined).toContain('sinks.c.secret: must be whsec_');
    expect(joined).toContain('sinks.d.templates.text: unknown template field {{summry}}');
    expect(joined).toContain('sinks: sink names are');
    expect(joined).toContain('sinks.g.to: list at least one recipient');
    expect(joined).toContain('sinks.h.rateLimit.perMinute');
    expect(joined).toMatch(/sinks\.i: .*colour/);
  });

  it('has delivery defaults that an empty notifications section keeps', () => {
    const defaults = { attempts: 10, backoffMs: 2000, maxBackoffMs: 600_000, concurrency: 20 };
    expect(parseConfig({}, APPS).notifications).toEqual(defaults);
    expect(parseConfig({}, `${APPS}notifications: {}`).notifications).toEqual(defaults);
    const problems = problemsOf('notifications: { attempts: 0, retries: 3 }').join('\n');
    expect(problems).toContain('notifications.attempts: Too small');
    expect(problems).toMatch(/notifications: unknown key "retries"$/m);
  });

  it('reports rules and default sinks naming sinks that do not exist', () => {
    const text = [
      'sinks: { ops: { type: slack, webhookUrl: "https://x.test/h" } }',
      'rules:',
      '  - { name: a, kind: alert, match: { category: [muted] }, groupBy: [app], cooldown: 1m, sinks: [ops, opz] }',
      'alerting: { defaultSinks: [log, pager] }',
    ].join('\n');
    expect(problemsOf(text)).toEqual([
      'rules.0.sinks.1: unknown sink "opz"; configured sinks: log, ops',
      'alerting.defaultSinks.1: unknown sink "pager"; configured sinks: log, ops',
    ]);
    const config = parseConfig({}, `${APPS}${text.replace('opz', 'log').replace('pager', 'ops')}`);
    expect(config.rules[0]?.sinks).toEqual(['ops', 'log']);
  });

  it('accepts the example of docs/sinks.md', () => {
    const docs = readFileSync(new URL('../../../docs/sinks.md', import.meta.url), 'utf8');
    const example = /```yaml\n(sinks:\n[\s\S]*?)```/.exec(docs)?.[1] ?? '';
    const env = Object.fromEntries(
      [...example.matchAll(/\$\{([A-Z_]+)\}/g)].map(([, name = '']) => [
        name,
        name.endsWith('_URL') ? 'https://hooks.example.com/x' : 'x',
      ]),
    );
    env.IMWATCH_WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const config = parseConfig(env, APPS + example);
    expect(Object.keys(config.sinks).sort()).toEqual([
      'log',
      'mail',
      'oncall-dingtalk',
      'oncall-wecom',
      'ops-feishu',
      'ops-slack',
      'pager',
    ]);
  });

  it('reports only the real problem when a sink is bad or its ${VAR} is unset, not follow-on ones', () => {
    const webhook =
      'sinks: { pager: { type: webhook, url: "http://127.0.0.1:9/h", secret: "${HOOK_SECRET}" } }';
    // The always-present log sink stays known while another sink fails validation.
    expect(
      problemsOf('sinks: { pager: { type: webhook, url: "ftp://127.0.0.1/h" } }').join('\n'),
    ).not.toContain('unknown sink');
    // An unset variable is one problem, not also the empty string failing the secret's format.
    expect(problemsOf(webhook)).toEqual([
      'sinks.pager.secret: environment variable HOOK_SECRET is not set (use ${HOOK_SECRET:-} for optional)',
    ]);
    expect(problemsOf(webhook, { HOOK_SECRET: 'abc' })).toEqual([
      'sinks.pager.secret: must be whsec_ followed by the base64 of 24–64 bytes (e.g. whsec_$(openssl rand -base64 32))',
    ]);
  });
});
