import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// docker is not available in CI: these checks parse the files a deployment is built from.
const root = fileURLToPath(new URL('../../../', import.meta.url));

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8')) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};

/** The value following `flag` in a redis-server argument list. */
function flag(args: readonly string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

describe('docker-compose.yml', () => {
  it('runs Redis with AOF, fsync every second and noeviction, data on a named volume', () => {
    const redis = compose.services.redis;
    expect(redis?.image).toBe('redis:7-alpine');
    const args = redis?.command ?? [];
    expect(args[0]).toBe('redis-server');
    expect(flag(args, '--appendonly')).toBe('yes');
    expect(flag(args, '--appendfsync')).toBe('everysec');
    expect(flag(args, '--maxmemory-policy')).toBe('noeviction');
    const volume = redis?.volumes?.[0]?.split(':') ?? [];
    expect(volume[1]).toBe('/data');
    expect(compose.volumes).toHaveProperty(volume[0] ?? '(none)');
    expect(redis?.healthcheck?.test).toContain('ping');
  });

  it('starts ingest and worker only once Redis is healthy, each with its own command', () => {
    for (const name of ['ingest', 'worker']) {
      const service = compose.services[name];
      expect(service?.depends_on?.redis?.condition, name).toBe('service_healthy');
      expect(service?.environment?.REDIS_URL, name).toBe('redis://redis:6379');
      expect(service?.command, name).toEqual(['node', `apps/${name}/dist/main.js`]);
    }
  });

  it('gives the ingest port 8080 and a named volume for its spool dir', () => {
    const ingest = compose.services.ingest;
    expect(ingest?.ports).toContain('8080:8080');
    const spoolDir = ingest?.environment?.IMWATCH_SPOOL_DIR;
    expect(spoolDir).toBeTruthy();
    const mount = ingest?.volumes?.map((v) => v.split(':')).find(([, target]) => target === spoolDir);
    expect(mount, 'a volume mounted on IMWATCH_SPOOL_DIR').toBeDefined();
    expect(compose.volumes).toHaveProperty(mount?.[0] ?? '(none)');
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');

  it('builds in one node:20-slim stage with npm ci and runs from another', () => {
    const stages = dockerfile.match(/^FROM node:20-slim AS \w+$/gm) ?? [];
    expect(stages.length).toBe(2);
    expect(dockerfile).toMatch(/npm ci /);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});
