import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from './config.js';

const shipped = readFileSync(new URL('../../../imwatch.yaml', import.meta.url), 'utf8');

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('accepts the shipped imwatch.yaml with the sample SDKAppID and no token', () => {
    const config = parseConfig({}, shipped);
    expect(config.apps['1400000000']).toEqual({ sdkAppId: '1400000000', name: 'sample' });
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: '{imwatch}' });
    expect(config.http.port).toBe(8080);
    expect(config.ingest.path).toBe('/callback');
  });

  it('reads secrets from the environment', () => {
    const config = parseConfig({ IMWATCH_SAMPLE_TOKEN: 's3cret' }, shipped);
    expect(config.apps['1400000000']?.callbackToken).toBe('s3cret');
  });

  it('fills defaults for sections left out', () => {
    const config = parseConfig({}, 'apps: [{ sdkAppId: "1400000001" }]');
    expect(config.ingest.maxBodyBytes).toBe(65536);
    expect(config.ingest.dedupWindowSeconds).toBe(600);
    expect(config.worker.concurrency).toBe(50);
    expect(config.queue.keepCompleted).toEqual({ count: 1000, ageSeconds: 3600 });
  });

  it('gives the spool a default directory and bound, with IMWATCH_SPOOL_DIR taking precedence', () => {
    const config = parseConfig({}, 'apps: [{ sdkAppId: "1400000001" }]');
    expect(config.ingest.enqueueTimeoutMs).toBe(500);
    expect(config.ingest.spool).toEqual({
      dir: '.data/spool',
      maxBytes: 1024 ** 3,
      segmentBytes: 4 * 1024 ** 2,
    });
    const text = 'apps: [{ sdkAppId: "1400000001" }]\ningest: { spool: { dir: /a, maxBytes: 1048576 } }';
    expect(parseConfig({}, text).ingest.spool.dir).toBe('/a');
    const fromEnv = parseConfig({ IMWATCH_SPOOL_DIR: '/var/spool/x' }, text);
    expect(fromEnv.ingest.spool).toMatchObject({ dir: '/var/spool/x', maxBytes: 1048576 });
    expect(problemsOf(() => parseConfig({}, `${text}\n`.replace('1048576', '10')))).toEqual([
      expect.stringContaining('ingest.spool.maxBytes'),
    ]);
  });

  it('returns a frozen object', () => {
    const config = parseConfig({}, shipped);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.ingest)).toBe(true);
    expect(Object.isFrozen(config.apps['1400000000'])).toBe(true);
  });

  it('names every bad key with its path in one error', () => {
    const text = [
      'apps:',
      '  - sdkAppId: abc',
      '    callbackToken: ${NOT_SET}',
      '  - sdkAppId: 7',
      '  - sdkAppId: 7',
      'ingest:',
      '  maxBodyBytes: 10',
      '  pth: /x',
    ].join('\n');
    const problems = problemsOf(() => parseConfig({ PORT: 'eighty', REDIS_URL: 'localhost' }, text));
    const joined = problems.join('\n');
    expect(joined).toContain('apps.0.callbackToken: environment variable NOT_SET is not set');
    expect(joined).toContain('apps.0.sdkAppId');
    expect(joined).toContain('apps.2.sdkAppId: duplicate sdkAppId 7');
    expect(joined).toContain('ingest.maxBodyBytes');
    expect(joined).toMatch(/ingest: .*pth/);
    expect(joined).toContain('env PORT');
    expect(joined).toContain('env REDIS_URL');
  });

  it('reports YAML syntax errors and an empty app list', () => {
    expect(problemsOf(() => parseConfig({}, 'apps: [')).join()).toContain('not valid YAML');
    expect(problemsOf(() => parseConfig({}, 'apps: []')).join()).toContain('apps: list at least one app');
  });

  it('does not let a secret full of YAML syntax change the structure', () => {
    const config = parseConfig({ T: 'x\n  evil: true' }, 'apps: [{ sdkAppId: 1, callbackToken: "${T}" }]');
    expect(config.apps['1']?.callbackToken).toBe('x\n  evil: true');
  });
});

describe('loadConfig', () => {
  it('reads the file IMWATCH_CONFIG names and says which file is bad', () => {
    const dir = mkdtempSync(join(tmpdir(), 'imwatch-config-'));
    const path = join(dir, 'other.yaml');
    writeFileSync(path, 'apps: [{ sdkAppId: 1400000009 }]');
    expect(loadConfig({ IMWATCH_CONFIG: path }, '/').apps['1400000009']).toBeDefined();
    writeFileSync(path, 'apps: 3');
    expect(() => loadConfig({ IMWATCH_CONFIG: path }, '/')).toThrow(path);
  });

  it('puts a relative spool dir next to imwatch.yaml, so `npm start` and `-w apps/ingest` share one spool', () => {
    const root = mkdtempSync(join(tmpdir(), 'imwatch-config-'));
    const appDir = join(root, 'apps', 'ingest');
    mkdirSync(appDir, { recursive: true });
    writeFileSync(join(root, 'imwatch.yaml'), 'apps: [{ sdkAppId: 1400000009 }]');
    const expected = join(root, '.data', 'spool');
    expect(loadConfig({}, root).ingest.spool.dir).toBe(expected);
    expect(loadConfig({}, appDir).ingest.spool.dir).toBe(expected);
    expect(loadConfig({ IMWATCH_CONFIG: join(root, 'imwatch.yaml') }, '/').ingest.spool.dir).toBe(expected);
    // An absolute dir and IMWATCH_SPOOL_DIR are taken as given.
    writeFileSync(
      join(root, 'imwatch.yaml'),
      'apps: [{ sdkAppId: 1400000009 }]\ningest: { spool: { dir: /a } }',
    );
    expect(loadConfig({}, appDir).ingest.spool.dir).toBe('/a');
    expect(loadConfig({ IMWATCH_SPOOL_DIR: '/var/spool/x' }, appDir).ingest.spool.dir).toBe('/var/spool/x');
  });
});
