import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';
import { closestKey, editDistance } from './unknown-keys.js';

const APPS = 'apps: [{ sdkAppId: 1400000000 }]\n';

function problemsOf(text: string): string[] {
  try {
    parseConfig({}, APPS + text);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('messages for misspelled config', () => {
  it('names an unknown sink type and the types there are', () => {
    expect(problemsOf('sinks: { ops: { type: wecomm, key: abc } }')).toEqual([
      'sinks.ops.type: unknown sink type "wecomm"; expected one of log, webhook, slack, wecom, dingtalk, feishu, email',
    ]);
    expect(problemsOf('sinks: { ops: { key: abc } }')).toEqual([
      'sinks.ops.type: missing sink type; expected one of log, webhook, slack, wecom, dingtalk, feishu, email',
    ]);
  });

  it('suggests the key a misspelled one meant, without the follow-on "required"', () => {
    const text = [
      'rules:',
      '  - { name: r, kind: threshold, window: 1m, treshold: 5, groupby: [app] }',
      '',
    ].join('\n');
    expect(problemsOf(text)).toEqual([
      'rules.0: unknown key "treshold" (did you mean "threshold"?)',
      'rules.0: unknown key "groupby" (did you mean "groupBy"?)',
    ]);
    expect(problemsOf('sinks: { ops: { type: slack, webhookURL: "https://x.test/h" } }')).toEqual([
      'sinks.ops: unknown key "webhookURL" (did you mean "webhookUrl"?)',
    ]);
  });

  it('suggests nothing for a key far from every known one, or already given', () => {
    expect(problemsOf('ingest: { maxBodyByte: 5 }\ncolour: red\n')).toEqual([
      'ingest: unknown key "maxBodyByte" (did you mean "maxBodyBytes"?)',
      '(root): unknown key "colour"',
    ]);
    // `threshold` is there (and wrong), so `treshold` is not a typo of it and both are reported.
    const text = 'rules:\n  - { name: r, kind: threshold, window: 1m, threshold: 0, treshold: 5 }\n';
    expect(problemsOf(text)).toEqual([
      'rules.0: unknown key "treshold"',
      'rules.0.threshold: Too small: expected number to be >=1',
    ]);
  });
});

describe('closestKey', () => {
  it('measures edits case-insensitively', () => {
    expect(editDistance('treshold', 'threshold')).toBe(1);
    expect(editDistance('groupby', 'groupBy')).toBe(0);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('picks the nearest key within a third of the word', () => {
    expect(closestKey('cooldwn', ['cooldown', 'window'])).toBe('cooldown');
    expect(closestKey('windw', ['window', 'windows'])).toBe('window');
    expect(closestKey('foo', ['window', 'kind'])).toBeUndefined();
    expect(closestKey('sink', ['sinks', 'kind'])).toBe('sinks');
  });
});
