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

const NAMES = new Map<string, keyof CallbackQuery>([
  ['sdkappid', 'sdkAppId'],
  ['callbackcommand', 'callbackCommand'],
  ['contenttype', 'contentType'],
  ['clientip', 'clientIp'],
  ['optplatform', 'optPlatform'],
  ['sign', 'sign'],
  ['requesttime', 'requestTime'],
]);

/**
 * Reads the callback parameters from a URL's query. Names are matched case-insensitively
 * (`SdkAppid`, `SdkAppId`, …); the first value of a repeated name wins; empty values are absent.
 * Values are read as URLSearchParams reads them ('+' is a space, %XX is decoded).
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
  const search = hashAt === -1 ? url.slice(start + 1) : url.slice(start + 1, hashAt);
  // Tencent's queries hold nothing to decode: they are split by hand, at a fraction of a
  // URLSearchParams' cost on the ingest's path; anything encoded goes through URLSearchParams.
  if (/[%+]/.test(search)) {
    for (const [name, value] of new URLSearchParams(search)) take(query, name, value);
    return query;
  }
  let from = 0;
  while (from < search.length) {
    let end = search.indexOf('&', from);
    if (end === -1) end = search.length;
    // A pair without '=' has an empty value, which counts as absent.
    const eq = search.indexOf('=', from);
    if (eq !== -1 && eq < end) take(query, search.slice(from, eq), search.slice(eq + 1, end));
    from = end + 1;
  }
  return query;
}

function take(query: CallbackQuery, name: string, value: string) {
  const key = NAMES.get(name.toLowerCase());
  if (key && query[key] === undefined && value !== '') query[key] = value;
}
