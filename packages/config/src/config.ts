import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { AppConfig } from './schema/apps.js';
import { envSchema, fileSchema } from './schema/index.js';
import { type MissingVariable, substituteEnv } from './substitute.js';
import { parseWithProblems } from './unknown-keys.js';

type FileConfig = z.output<typeof fileSchema>;
type EnvConfig = z.output<typeof envSchema>;

/** Everything a process needs to know, validated and frozen. */
export interface Config extends Omit<FileConfig, 'apps'> {
  /** Apps by SDKAppID. */
  readonly apps: Readonly<Record<string, AppConfig>>;
  readonly redis: { readonly url: string; readonly prefix: string };
  readonly http: { readonly port: number; readonly host: string };
  readonly log: { readonly level: EnvConfig['LOG_LEVEL'] };
  /** Where the file came from, for log lines. */
  readonly source: string;
}

/** The `alerting:` section, with the inhibitions resolved. */
export type AlertingConfig = Config['alerting'];

/** One error listing every bad key with its path, so a bad file is fixed in one go. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source} is invalid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const formatPath = (path: readonly PropertyKey[]) =>
  path.length > 0 ? path.map(String).join('.') : '(root)';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/**
 * Parses the YAML text of imwatch.yaml and the environment into a frozen config, or throws one
 * ConfigError naming every problem. Pure: no file or process access.
 */
export function parseConfig(
  env: Readonly<Record<string, string | undefined>>,
  fileText: string,
  source = 'imwatch.yaml',
  /** Directory that a relative `ingest.spool.dir` is taken from (the file's); else the working dir. */
  baseDir?: string,
): Config {
  const problems: string[] = [];

  let raw: unknown;
  try {
    raw = parseYaml(fileText, { prettyErrors: true, uniqueKeys: true }) ?? {};
  } catch (error) {
    throw new ConfigError(source, [`not valid YAML: ${(error as Error).message}`]);
  }

  const missing: MissingVariable[] = [];
  const substituted = substituteEnv(raw, env, missing);
  for (const { path, name } of missing) {
    problems.push(
      `${formatPath(path)}: environment variable ${name} is not set (use \${${name}:-} for optional)`,
    );
  }

  // A value whose variable is unset is reported once, as the missing variable, not again for
  // the empty string standing in for it.
  const unset = new Set(missing.map(({ path }) => formatPath(path)));
  const file = parseWithProblems(fileSchema, substituted);
  if (!file.success) {
    for (const problem of file.problems) {
      const path = formatPath(problem.path);
      if (!unset.has(path)) problems.push(`${path}: ${problem.message}`);
    }
  }
  const infra = envSchema.safeParse(env);
  if (!infra.success) {
    for (const issue of infra.error.issues) problems.push(`env ${formatPath(issue.path)}: ${issue.message}`);
  }
  if (problems.length > 0 || !file.success || !infra.success) throw new ConfigError(source, problems);

  const { apps, ...rest } = file.data;
  const spoolDir =
    infra.data.IMWATCH_SPOOL_DIR ?? (baseDir ? resolve(baseDir, rest.ingest.spool.dir) : undefined);
  return deepFreeze({
    ...rest,
    ingest: spoolDir ? { ...rest.ingest, spool: { ...rest.ingest.spool, dir: spoolDir } } : rest.ingest,
    apps: Object.fromEntries(apps.map((app) => [app.sdkAppId, app])),
    redis: { url: infra.data.REDIS_URL, prefix: infra.data.IMWATCH_PREFIX },
    http: { port: infra.data.PORT, host: infra.data.HOST },
    log: { level: infra.data.LOG_LEVEL },
    source,
  });
}

/** Finds imwatch.yaml: `IMWATCH_CONFIG`, else the nearest one in the working dir or above. */
export function findConfigFile(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  if (env.IMWATCH_CONFIG) return resolve(cwd, env.IMWATCH_CONFIG);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, 'imwatch.yaml');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new ConfigError('imwatch.yaml', [
    `no imwatch.yaml in ${cwd} or above it; set IMWATCH_CONFIG to the file's path`,
  ]);
}

/** Reads and parses the config file for a process; called from `main.ts` only. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, cwd: string): Config {
  const path = findConfigFile(env, cwd);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`cannot read: ${(error as Error).message}`]);
  }
  // Relative paths in the file are read from its own directory, wherever the process was started.
  return parseConfig(env, text, path, dirname(path));
}
