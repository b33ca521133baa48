import {
  ACK_JSON,
  type CallbackQuery,
  callbackId,
  checkCallbackBody,
  failEnvelope,
  Rejection,
  type RejectionReason,
  readCallbackQuery,
  type SignCheck,
  verifySign,
} from '@imwatch/protocol';
import type { Context } from 'hono';
import type { IngestDeps } from './env.js';
import { readBody } from './read-body.js';

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;

/** How a failed signature check is refused. */
const SIGN_REJECTION: Record<Exclude<SignCheck, { ok: true }>['reason'], RejectionReason> = {
  missing: 'MISSING_SIGNATURE',
  malformed: 'BAD_SIGNATURE',
  mismatch: 'BAD_SIGNATURE',
  stale: 'STALE_SIGNATURE',
};

/**
 * The handler of the one URL Tencent IM calls for every command of an app. Checks run in the
 * protocol's order: app, signature, size, JSON, command, schema; an accepted callback is durable
 * before the ack. Mounted with `app.post(path, …)`: a sub-app would add a dispatch per request.
 */
export function callbackHandler({ config, enqueuer, rejections, now = Date.now }: IngestDeps) {
  const { maxBodyBytes, signatureMaxSkewSeconds, rejectedBodyBytes } = config.ingest;

  async function reject(
    c: Context,
    query: CallbackQuery,
    reason: RejectionReason,
    message: string,
    body = '',
  ) {
    const { status, errorCode } = Rejection[reason];
    await rejections.record({
      reason,
      status,
      errorCode,
      message,
      appId: query.sdkAppId,
      command: query.callbackCommand,
      clientIp: query.clientIp,
      at: now(),
      body: body.length > rejectedBodyBytes ? body.slice(0, rejectedBodyBytes) : body,
      bodyBytes: Buffer.byteLength(body),
    });
    return c.body(JSON.stringify(failEnvelope(errorCode, message)), status, JSON_HEADERS);
  }

  // One handler, not a middleware chain: every step is on the path of every callback.
  return async (c: Context) => {
    const query = readCallbackQuery(c.req.url);
    if (!query.sdkAppId) return reject(c, query, 'MISSING_APP_ID', 'SdkAppid is missing from the URL');
    const app = config.apps[query.sdkAppId];
    if (!app) return reject(c, query, 'UNKNOWN_APP', `SdkAppid ${query.sdkAppId} is not configured`);
    if (app.callbackToken !== undefined) {
      const check = verifySign({
        token: app.callbackToken,
        sign: query.sign,
        requestTime: query.requestTime,
        nowMs: now(),
        maxSkewSeconds: signatureMaxSkewSeconds,
      });
      if (!check.ok) return reject(c, query, SIGN_REJECTION[check.reason], check.message);
    }

    const text = await readBody(c, maxBodyBytes);
    if (text === undefined) {
      return reject(c, query, 'BODY_TOO_LARGE', `body is larger than ${maxBodyBytes} bytes`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      return reject(c, query, 'INVALID_JSON', `body is not valid JSON: ${(error as Error).message}`, text);
    }
    const check = checkCallbackBody(body, query.callbackCommand);
    if (!check.ok) return reject(c, query, check.reason, check.message, text);

    const appId = app.sdkAppId;
    const job = {
      callbackId: callbackId(appId, check.command, body),
      appId,
      command: check.command,
      platform: query.optPlatform,
      clientIp: query.clientIp,
      receivedAt: now(),
      body: body as Record<string, unknown>,
    };
    try {
      // The text goes along: the job's JSON takes the body as it came instead of writing it again.
      await enqueuer.enqueue(job, text);
    } catch (error) {
      const message = `callback could not be stored, retry later (${(error as Error).message})`;
      return reject(c, query, 'QUEUE_UNAVAILABLE', message, text);
    }
    return c.body(ACK_JSON, 200, JSON_HEADERS);
  };
}
