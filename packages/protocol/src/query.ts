import { z } from 'zod';

/** The query parameters Tencent appends to the callback URL, under imwatch's names. */
export interface CallbackQuery {
  sdkAppId: string | undefined;
  callbackCommand: string | undefined;
  contentType: string | undefined;
  clientIp: string | undefined;
  optPlatform: string | undefined;
  sign: string | undefined;
  requestTime: string | undefined;
}

const optionalText = (max: number) => z.string().max(max).optional();

/**
 * Validates the query once read. Lenient on what Tencent spells inconsistently (OptPlatform is a
 * free string, contenttype may be `json` or `JSON`), strict on what identifies and authenticates.
 */
export const callbackQuerySchema = z.object({
  sdkAppId: z
    .string()
    .regex(/^\d{1,20}$/, 'SdkAppid must be the numeric SDKAppID')
    .optional(),
  callbackCommand: optionalText(128),
  contentType: optionalText(32),
  clientIp: optionalText(64),
  optPlatform: optionalText(32),
  sign: optionalText(128),
  requestTime: optionalText(32),
});

const NAMES: Record<string, keyof CallbackQuery> = {
  sdkappid: 'sdkAppId',
  callbackcommand: 'callbackCommand',
  contenttype: 'contentType',
  clientip: 'clientIp',
  optplatform: 'optPlatform',
  sign: 'sign',
  requesttime: 'requestTime',
};

/**
 * Reads the callback parameters from a URL's query. Names are matched case-insensitively
 * (`SdkAppid`, `SdkAppId`, …); the first value of a repeated name wins; empty values are absent.
 */
export function readCallbackQuery(url: string): CallbackQuery {
  const query: CallbackQuery = {
    sdkAppId: undefined,
    callbackCommand: undefined,
    contentType: undefined,
    clientIp: undefined,
    optPlatform: undefined,
    sign: undefined,
    requestTime: undefined,
  };
  const start = url.indexOf('?');
  if (start === -1) return query;
  const hashAt = url.indexOf('#', start);
  const params = new URLSearchParams(hashAt === -1 ? url.slice(start + 1) : url.slice(start + 1, hashAt));
  for (const [name, value] of params) {
    const key = NAMES[name.toLowerCase()];
    if (key && query[key] === undefined && value !== '') query[key] = value;
  }
  return query;
}
