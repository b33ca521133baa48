import { CALLBACK_ID } from './callback-job-check.js';
import { callbackJobJson } from './callback-job-json.js';
import type { CallbackJob } from './catalog.js';

/**
 * A callback as the ingest stores it: callback id, command (its job's name) and its job's data as
 * JSON (callbackJobJson), exactly as the callbacks queue will hold it. A batch of these is one
 * entry of the intake list (storedBatchText); the intake mover adds each as a callback job.
 */
export type StoredCallback = [callbackId: string, command: string, jobJson: string];

/** The stored form of a callback; `bodyText` as in callbackJobJson. */
export function storedCallback(job: CallbackJob, bodyText?: string): StoredCallback {
  // The add script puts the id into the job's opts JSON unescaped: only `cb-` + hex may pass.
  if (!CALLBACK_ID.test(job.callbackId)) throw new TypeError(`not a callback id: ${job.callbackId}`);
  return [job.callbackId, job.command, callbackJobJson(job, bodyText)];
}

/**
 * A batch as one intake entry: per callback a header line `<callback id> <command bytes> <JSON
 * bytes>`, then the command and the job JSON as they are. Lengths instead of JSON escaping: the
 * move script cuts each piece out with string.sub, where `cjson.decode` of the same batch as a
 * JSON list cost Redis ~30,000 instructions per callback more (BENCHMARKS.md); and the ingest
 * writes its pieces as they are, escaping nothing.
 */
export function storedBatchText(batch: readonly StoredCallback[]): string {
  let text = '';
  for (const [id, command, json] of batch) {
    text += `${id} ${Buffer.byteLength(command)} ${Buffer.byteLength(json)}\n${command}${json}`;
  }
  return text;
}

/** storedBatchText read back, as the move script reads it; undefined when it is not one. */
export function parseStoredBatch(text: string): StoredCallback[] | undefined {
  const bytes = Buffer.from(text);
  const batch: StoredCallback[] = [];
  const header = /^(cb-[0-9a-f]{32}) (\d+) (\d+)\n/;
  let at = 0;
  while (at < bytes.length) {
    const line = bytes.subarray(at, Math.min(bytes.length, at + 64)).toString('latin1');
    const match = header.exec(line);
    if (!match) return undefined;
    const [head, id, commandBytes, jsonBytes] = match as unknown as [string, string, string, string];
    const commandAt = at + head.length;
    const jsonAt = commandAt + Number(commandBytes);
    const end = jsonAt + Number(jsonBytes);
    if (Number(commandBytes) === 0 || end > bytes.length || bytes[jsonAt] !== 0x7b) return undefined;
    batch.push([id, bytes.toString('utf8', commandAt, jsonAt), bytes.toString('utf8', jsonAt, end)]);
    at = end;
  }
  return batch.length > 0 ? batch : undefined;
}
