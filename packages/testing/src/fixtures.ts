import { readdirSync, readFileSync } from 'node:fs';

const fixturesDir = new URL('../fixtures/', import.meta.url);

/** Names of the sample callback bodies (file names without `.json`). */
export const sampleNames = readdirSync(fixturesDir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.slice(0, -'.json'.length));

/** The raw text of a sample body, exactly as stored (valid JSON, as Tencent sends it). */
export function sampleText(name: string): string {
  return readFileSync(new URL(`${name}.json`, fixturesDir), 'utf8');
}

/** A sample body parsed into a fresh object the caller may change. */
export function sampleBody(name: string): Record<string, unknown> {
  return JSON.parse(sampleText(name)) as Record<string, unknown>;
}

/** The SDKAppID the samples are sent under. */
export const SAMPLE_APP_ID = '1400000000';

/** The query string Tencent appends to the callback URL for a body with this command. */
export function sampleQuery(command: string, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({
    SdkAppid: SAMPLE_APP_ID,
    CallbackCommand: command,
    contenttype: 'json',
    ClientIP: '127.0.0.1',
    OptPlatform: 'RESTAPI',
    ...extra,
  });
  return params.toString();
}

/** The token and signature of Tencent's worked example. */
export const SIGN_EXAMPLE = {
  token: 'xxxxyyyy',
  requestTime: '1669872112',
  sign: '17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061',
} as const;
