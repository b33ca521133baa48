import type { CallbackJob } from './catalog.js';

/**
 * A callback job's data as stored: `JSON.stringify(job)`, or, given `bodyText` — the text
 * `job.body` was parsed from — that text in the body's place, so the body is not written out
 * again: on the ingest's path that was half the cost of a job's JSON. Both parse to the same job;
 * the body is then kept exactly as Tencent sent it, spacing and key order included.
 */
export function callbackJobJson(job: CallbackJob, bodyText?: string): string {
  if (bodyText === undefined) return JSON.stringify(job);
  const { body: _body, ...head } = job;
  const headJson = JSON.stringify(head);
  return `${headJson.slice(0, -1)},"body":${bodyText}}`;
}
