/** A `${VAR}` that named no set variable and had no `:-default`. */
export interface MissingVariable {
  path: (string | number)[];
  name: string;
}

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` inside the string values of parsed YAML. Substituting
 * after parsing means a secret full of YAML syntax can never change the file's structure.
 */
export function substituteEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  missing: MissingVariable[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(PATTERN, (_match, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      missing.push({ path, name });
      return '';
    });
  }
  if (Array.isArray(value))
    return value.map((item, index) => substituteEnv(item, env, missing, [...path, index]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = substituteEnv(item, env, missing, [...path, key]);
    return out;
  }
  return value;
}
