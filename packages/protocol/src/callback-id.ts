import { hash } from 'node:crypto';

// Callback bodies repeat the same few field names; quoting each once saves a JSON.stringify per
// key per callback. Bounded so odd payloads cannot grow it without limit.
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 2000;

function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/** JSON with object keys sorted at every level, so equal bodies give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${quoteKey(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}

/**
 * Tencent gives callbacks no event id, so one is derived from the content: the same callback sent
 * twice gets the same id. The `cb-` prefix keeps it from ever being all digits (BullMQ job ids).
 * One-shot `crypto.hash` over the joined text: the same digest as hashing the parts in turn,
 * without a Hash object per callback.
 */
export function callbackId(appId: string, command: string, body: unknown): string {
  const digest = hash('sha256', `${appId}\n${command}\n${canonicalJson(body)}`, 'hex');
  return `cb-${digest.slice(0, 32)}`;
}
