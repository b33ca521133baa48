import { hash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

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
