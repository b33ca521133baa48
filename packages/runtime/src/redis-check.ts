import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** One way the Redis server could lose jobs, and what to do about it. */
export interface RedisFinding {
  level: 'error' | 'warn';
  setting: string;
  message: string;
}

export interface RedisSettings {
  maxmemoryPolicy?: string;
  appendonly?: string;
  appendfsync?: string;
  save?: string;
  /** How the settings were read: CONFIG GET, INFO (CONFIG disabled, as on managed services), or not at all. */
  source: 'config' | 'info' | 'none';
}

async function configGet(redis: Redis, name: string): Promise<string | undefined> {
  const reply = (await redis.call('CONFIG', 'GET', name)) as string[];
  return reply[1];
}

function infoField(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

/** Reads the settings that decide whether queued jobs survive memory pressure and restarts. */
export async function readRedisSettings(redis: Redis): Promise<RedisSettings> {
  try {
    return {
      maxmemoryPolicy: await configGet(redis, 'maxmemory-policy'),
      appendonly: await configGet(redis, 'appendonly'),
      appendfsync: await configGet(redis, 'appendfsync'),
      save: await configGet(redis, 'save'),
      source: 'config',
    };
  } catch {
    // CONFIG is renamed or disabled on many managed services; INFO still tells the essentials.
  }
  try {
    const info = await redis.info();
    return {
      maxmemoryPolicy: infoField(info, 'maxmemory_policy'),
      appendonly: infoField(info, 'aof_enabled') === '1' ? 'yes' : infoField(info, 'aof_enabled') && 'no',
      source: 'info',
    };
  } catch {
    return { source: 'none' };
  }
}

/** What in `settings` could lose queued callbacks. Pure, so every case is testable. */
export function judgeRedisSettings(settings: RedisSettings): RedisFinding[] {
  const findings: RedisFinding[] = [];
  if (settings.source === 'none') {
    findings.push({
      level: 'warn',
      setting: 'CONFIG/INFO',
      message:
        'cannot read Redis settings (CONFIG and INFO refused): make sure maxmemory-policy is noeviction and AOF is on',
    });
    return findings;
  }
  const policy = settings.maxmemoryPolicy;
  if (policy !== undefined && policy !== 'noeviction') {
    findings.push({
      level: 'error',
      setting: 'maxmemory-policy',
      message: `maxmemory-policy is ${policy}: under memory pressure Redis silently deletes queued jobs. Set maxmemory-policy noeviction`,
    });
  }
  const aof = settings.appendonly === 'yes';
  const rdb = settings.save !== undefined && settings.save.trim() !== '';
  if (settings.appendonly === 'no' && settings.save !== undefined && !rdb) {
    findings.push({
      level: 'error',
      setting: 'appendonly/save',
      message:
        'Redis has no persistence (appendonly no, save ""): a restart loses every queued job. Set appendonly yes',
    });
  } else if (settings.appendonly === 'no') {
    findings.push({
      level: 'warn',
      setting: 'appendonly',
      message:
        'appendonly is no: a Redis crash loses the jobs since the last RDB snapshot. Set appendonly yes (appendfsync everysec)',
    });
  }
  if (aof && settings.appendfsync === 'no') {
    findings.push({
      level: 'warn',
      setting: 'appendfsync',
      message: 'appendfsync is no: the OS decides when jobs reach disk (often 30 s). Use everysec',
    });
  }
  return findings;
}

/** Checks the Redis server at start and logs loudly what could lose jobs. Never throws. */
export async function checkRedisForProduction(redis: Redis, logger: Logger): Promise<RedisFinding[]> {
  let settings: RedisSettings;
  try {
    settings = await readRedisSettings(redis);
  } catch (error) {
    settings = { source: 'none' };
    logger.debug({ err: error }, 'redis settings check failed');
  }
  const findings = judgeRedisSettings(settings);
  for (const finding of findings) {
    logger[finding.level](
      { setting: finding.setting, redisSettings: settings },
      `REDIS RISKS DATA LOSS: ${finding.message}`,
    );
  }
  if (findings.length === 0)
    logger.info({ redisSettings: settings }, 'redis settings are safe for production');
  return findings;
}
