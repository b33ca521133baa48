import type { z } from 'zod';

/** Levenshtein distance, case-insensitive: `groupby` is one edit-free step from `groupBy`. */
export function editDistance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (left[i - 1] === right[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

/** The known key closest to a misspelled one, if it is close enough to be a typo. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  // A third of the word, at least 1 and at most 3 edits: `treshold`, `webhookURL`, not `foo`.
  const limit = Math.min(3, Math.max(1, Math.floor(key.length / 3)));
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    if (distance <= limit && (best === undefined || distance < best.distance))
      best = { key: candidate, distance };
  }
  return best?.key;
}

export interface Problem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * Parses `input` and lists its problems, with an unknown key reported as
 * `unknown key "treshold" (did you mean "threshold"?)` instead of zod's "Unrecognized key", and
 * without the follow-on "required" problem of the key it misspells.
 */
export function parseWithProblems<S extends z.ZodType>(
  schema: S,
  input: unknown,
): { success: true; data: z.output<S> } | { success: false; problems: Problem[] } {
  // zod hands the object schema (and so its keys) only to an error map; collect them there.
  // By the time the error map runs, the issue's path is the full path from the root.
  const suggestions = new Map<string, string>();
  const result = schema.safeParse(input, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
      const given = issue.input !== null && typeof issue.input === 'object' ? issue.input : {};
      // Only keys the input lacks: one it has is not what the typo meant.
      const known = Object.keys(shape ?? {}).filter((key) => !(key in given));
      const lines = issue.keys.map((key) => {
        const suggestion = closestKey(key, known);
        if (suggestion !== undefined) suggestions.set(pathKey([...(issue.path ?? []), key]), suggestion);
        return unknownKeyMessage(key, suggestion);
      });
      return lines.join('; ');
    },
  });
  if (result.success) return { success: true, data: result.data };

  const problems: Problem[] = [];
  const misspelled = new Set<string>();
  for (const issue of result.error.issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    for (const key of issue.keys) {
      const suggestion = suggestions.get(pathKey([...issue.path, key]));
      if (suggestion !== undefined) misspelled.add(pathKey([...issue.path, suggestion]));
      problems.push({ path: issue.path, message: unknownKeyMessage(key, suggestion) });
    }
  }
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys' || misspelled.has(pathKey(issue.path))) continue;
    problems.push({ path: issue.path, message: issue.message });
  }
  return { success: false, problems };
}

const unknownKeyMessage = (key: string, suggestion: string | undefined) =>
  suggestion === undefined ? `unknown key "${key}"` : `unknown key "${key}" (did you mean "${suggestion}"?)`;

const pathKey = (path: readonly PropertyKey[]) => JSON.stringify(path.map(String));
