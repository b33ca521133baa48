import { startRedisServer, type TestRedisServer } from '@imwatch/testing';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { checkRedisForProduction, judgeRedisSettings, readRedisSettings } from './redis-check.js';

const logger = createLogger('redis-check-test', 'silent');
let server: TestRedisServer | undefined;
let client: Redis | undefined;

async function connect(args: string[], appendOnly = false): Promise<Redis> {
  server = await startRedisServer({ appendOnly, args });
  client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  return client;
}

afterEach(async () => {
  client?.disconnect();
  await server?.destroy();
  client = undefined;
  server = undefined;
});

describe('the production Redis check', () => {
  it('passes a server with noeviction and AOF', async () => {
    const redis = await connect(['--appendfsync', 'everysec'], true);
    expect(await readRedisSettings(redis)).toEqual({
      maxmemoryPolicy: 'noeviction',
      appendonly: 'yes',
      appendfsync: 'everysec',
      save: '',
      source: 'config',
    });
    expect(await checkRedisForProduction(redis, logger)).toEqual([]);
  });

  it('flags an evicting policy as an error', async () => {
    const redis = await connect(['--maxmemory-policy', 'allkeys-lru'], true);
    const findings = await checkRedisForProduction(redis, logger);
    expect(findings).toEqual([
      expect.objectContaining({
        level: 'error',
        setting: 'maxmemory-policy',
        message: expect.stringContaining('allkeys-lru'),
      }),
    ]);
  });

  it('flags a server without any persistence', async () => {
    const redis = await connect([]); // the test server runs with appendonly no and save ""
    const findings = await checkRedisForProduction(redis, logger);
    expect(findings.map((f) => [f.level, f.setting])).toEqual([['error', 'appendonly/save']]);
  });

  it('falls back to INFO when CONFIG is disabled, as on managed Redis', async () => {
    const redis = await connect(['--maxmemory-policy', 'volatile-lru', '--rename-command', 'CONFIG', '""']);
    const settings = await readRedisSettings(redis);
    expect(settings).toEqual({ maxmemoryPolicy: 'volatile-lru', appendonly: 'no', source: 'info' });
    const findings = await checkRedisForProduction(redis, logger);
    expect(findings.map((f) => [f.level, f.setting])).toEqual([
      ['error', 'maxmemory-policy'],
      ['warn', 'appendonly'],
    ]);
  });

  it('warns when it can read nothing, and about RDB-only or unsynced AOF setups', () => {
    expect(judgeRedisSettings({ source: 'none' })).toEqual([expect.objectContaining({ level: 'warn' })]);
    expect(
      judgeRedisSettings({
        maxmemoryPolicy: 'noeviction',
        appendonly: 'no',
        save: '3600 1',
        source: 'config',
      }),
    ).toEqual([expect.objectContaining({ level: 'warn', setting: 'appendonly' })]);
    expect(
      judgeRedisSettings({
        maxmemoryPolicy: 'noeviction',
        appendonly: 'yes',
        appendfsync: 'no',
        save: '',
        source: 'config',
      }),
    ).toEqual([expect.objectContaining({ level: 'warn', setting: 'appendfsync' })]);
  });
});
