import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// docker is not available in CI: these checks parse the files a deployment is built from.
const root = fileURLToPath(new URL('../../../', import.meta.url));

type App = 'ingest' | 'worker';

/** An app's Node flags, read from their one definition (apps/<app>/src/node-flags.ts). */
function nodeFlagsOf(app: App): string[] {
  const source = readFileSync(`${root}apps/${app}/src/node-flags.ts`, 'utf8');
  const list = /_NODE_FLAGS = \[([^\]]*)\]/.exec(source)?.[1] ?? '';
  return JSON.parse(`[${list.replaceAll("'", '"')}]`) as string[];
}
const NODE_FLAGS: Record<App, string[]> = { ingest: nodeFlagsOf('ingest'), worker: nodeFlagsOf('worker') };

/** The `npm start` script of an app's package.json. */
function startScriptOf(app: App): string | undefined {
  const pkg = JSON.parse(readFileSync(`${root}apps/${app}/package.json`, 'utf8')) as {
    scripts: Record<string, string>;
  };
  return pkg.scripts.start;
}

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
    for (const name of ['ingest', 'worker'] as const) {
      const service = compose.services[name];
      expect(service?.depends_on?.redis?.condition, name).toBe('service_healthy');
      expect(service?.environment?.REDIS_URL, name).toBe('redis://redis:6379');
      expect(service?.command, name).toEqual(['node', ...NODE_FLAGS[name], `apps/${name}/dist/main.js`]);
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

  const runtimeStage = dockerfile.slice(dockerfile.indexOf('FROM node:20-slim AS runtime'));

  it('runs the ingest with its Node flags, as docker-compose.yml and npm start do', () => {
    expect(NODE_FLAGS.ingest.length).toBeGreaterThan(0);
    expect(runtimeStage).toContain(
      `CMD ${JSON.stringify(['node', ...NODE_FLAGS.ingest, 'apps/ingest/dist/main.js']).replaceAll(',', ', ')}`,
    );
    expect(startScriptOf('ingest')).toBe(`node ${NODE_FLAGS.ingest.join(' ')} dist/main.js`);
  });

  it('names the worker with its Node flags, as docker-compose.yml and npm start run it', () => {
    expect(NODE_FLAGS.worker.length).toBeGreaterThan(0);
    expect(dockerfile).toContain(
      `docker run imwatch node ${NODE_FLAGS.worker.join(' ')} apps/worker/dist/main.js`,
    );
    expect(startScriptOf('worker')).toBe(`node ${NODE_FLAGS.worker.join(' ')} dist/main.js`);
  });

  it('copies into the runtime stage only node_modules and the assembled /out, no src or tests', () => {
    const sources = [...runtimeStage.matchAll(/^COPY --from=build (.+) \S+$/gm)].map((m) => m[1]);
    expect(sources).toEqual(['/app/node_modules', '/out']);
    expect(dockerfile).toMatch(/cp package\.json imwatch\.yaml \/out\//);
    expect(dockerfile).toMatch(/cp -r "\$ws\/package\.json" "\$ws\/dist" "\/out\/\$ws\/"/);
  });

  it('assembles exactly the workspaces the ingest and the worker need at run time', () => {
    const listed =
      /for ws in ([^;]+);/
        .exec(dockerfile)?.[1]
        ?.split(/[\s\\]+/)
        .filter(Boolean) ?? [];
    // Walks the @imwatch/* dependencies (not devDependencies) from both apps' package.json.
    const folders = new Map<string, string>();
    for (const base of ['apps', 'packages'])
      for (const name of readdirSync(`${root}${base}`)) {
        const pkg = JSON.parse(readFileSync(`${root}${base}/${name}/package.json`, 'utf8')) as {
          name: string;
        };
        folders.set(pkg.name, `${base}/${name}`);
      }
    const needed = new Set<string>();
    const visit = (folder: string) => {
      if (needed.has(folder)) return;
      needed.add(folder);
      const pkg = JSON.parse(readFileSync(`${root}${folder}/package.json`, 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      for (const dependency of Object.keys(pkg.dependencies ?? {}))
        if (dependency.startsWith('@imwatch/')) visit(folders.get(dependency) ?? `(missing ${dependency})`);
    };
    visit('apps/ingest');
    visit('apps/worker');
    expect([...listed].sort()).toEqual([...needed].sort());
  });

  it('has no image-wide HEALTHCHECK (the worker has no port); compose checks the ingest', () => {
    expect(dockerfile).not.toMatch(/^HEALTHCHECK/m);
    expect(compose.services.ingest?.healthcheck?.test.join(' ')).toContain('/readyz');
    expect(compose.services.worker?.healthcheck).toBeUndefined();
  });
});
