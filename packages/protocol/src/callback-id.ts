import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal bodies give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}

/**
 * Tencent gives callbacks no event id, so one is derived from the content: the same callback sent
 * twice gets the same id. The `cb-` prefix keeps it from ever being all digits (BullMQ job ids).
 */
export function callbackId(appId: string, command: string, body: unknown): string {
  const digest = createHash('sha256')
    .update(appId)
    .update('\n')
    .update(command)
    .update('\n')
    .update(canonicalJson(body))
    .digest('hex');
  return `cb-${digest.slice(0, 32)}`;
}
