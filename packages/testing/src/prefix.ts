import { randomBytes } from 'node:crypto';

/** A hash-tagged key prefix no other test uses, so tests share one Redis without seeing each other. */
export function uniquePrefix(label = 't'): string {
  return `{${label}-${randomBytes(5).toString('hex')}}`;
}
