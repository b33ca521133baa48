import {
  ACK_JSON,
  type CallbackQuery,
  callbackId,
  checkCallbackBody,
  failEnvelope,
  Rejection,
  type RejectionReason,
  readCallbackQuery,
  verifySign,
} from '@imwatch/protocol';
import type { Context } from 'hono';
import type { AppEnv, IngestDeps } from './env.js';
import { readBody } from './read-body.js';

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;

/**
 * The handler of the one URL Tencent IM calls for every command of an app. Checks run in the
 * protocol's order: app, signature, size, JSON, command, schema; an accepted callback is durable
 * before the ack. Mounted with `app.post(path, …)`: a sub-app would add a dispatch per request.
 */
export function callbackHandler({ config, enqueuer, rejections, now = Date.now }: IngestDeps) {
  const { maxBodyBytes, signatureMaxSkewSeconds, rejectedBodyBytes } = config.ingest;

  async function reject(
    c: Context,
    reason: RejectionReason,
    message: string,
    body = '',
    query?: CallbackQuery,
  ) {
    const { status, errorCode } = Rejection[reason];
    const q = query ?? readCallbackQuery(c.req.url);
    await rejections.record({
      reason,
      status,
      errorCode,
      message,
      appId: q.sdkAppId,
      command: q.callbackCommand,
      clientIp: q.clientIp,
      at: now(),
      body: body.length > rejectedBodyBytes ? body.slice(0, rejectedBodyBytes) : body,
      bodyBytes: Buffer.byteLength(body),
    });
    return c.body(JSON.stringify(failEnvelope(errorCode, message)), status, JSON_HEADERS);
  }

  // One handler, not a middleware chain: every step is on the path of every callback.
  return async (c: Context<AppEnv>) => {
    const query = readCallbackQuery(c.req.url);
    if (!query.sdkAppId) return reject(c, 'MISSING_APP_ID', 'SdkAppid is missing from the URL', '', query);
    const app = config.apps[query.sdkAppId];
    if (!app) return reject(c, 'UNKNOWN_APP', `SdkAppid ${query.sdkAppId} is not configured`, '', query);
    if (app.callbackToken !== undefined) {
      const check = verifySign({
        token: app.callbackToken,
        sign: query.sign,
        requestTime: query.requestTime,
        nowMs: now(),
        maxSkewSeconds: signatureMaxSkewSeconds,
      });
      if (!check.ok) {
        const reason =
          check.reason === 'stale'
            ? 'STALE_SIGNATURE'
            : check.reason === 'missing'
              ? 'MISSING_SIGNATURE'
              : 'BAD_SIGNATURE';
        return reject(c, reason, check.message, '', query);
      }
    }

    const text = await readBody(c, maxBodyBytes);
    if (text === undefined) {
      return reject(c, 'BODY_TOO_LARGE', `body is larger than ${maxBodyBytes} bytes`, '', query);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      return reject(c, 'INVALID_JSON', `body is not valid JSON: ${(error as Error).message}`, text, query);
    }
    const check = checkCallbackBody(body, query.callbackCommand);
    if (!check.ok) return reject(c, check.reason, check.message, text, query);

    const appId = app.sdkAppId;
    try {
      await enqueuer.enqueue({
        callbackId: callbackId(appId, check.command, body),
        appId,
        command: check.command,
        platform: query.optPlatform,
        clientIp: query.clientIp,
        receivedAt: now(),
        body: body as Record<string, unknown>,
      });
    } catch (error) {
      return reject(
        c,
        'QUEUE_UNAVAILABLE',
        `callback could not be stored, retry later (${(error as Error).message})`,
        text,
        query,
      );
    }
    return c.body(ACK_JSON, 200, JSON_HEADERS);
  };
}
