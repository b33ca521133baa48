import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PATTERN = /^(\d+)(ms|s|m|h|d)$/;

/** Milliseconds of a duration string such as `30s`, `10m`, `1h`, `24h`, `7d`; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const match = PATTERN.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** A human duration (`10m`) in the file, milliseconds in the parsed config. */
export function durationSchema(min: string, max: string) {
  const minMs = parseDuration(min) ?? 0;
  const maxMs = parseDuration(max) ?? Number.MAX_SAFE_INTEGER;
  return z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration like 30s, 10m, 1h, 24h or 7d` });
      return z.NEVER;
    }
    if (ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `"${text}" must be between ${min} and ${max}` });
      return z.NEVER;
    }
    return ms;
  });
}
