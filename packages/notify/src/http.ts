import { type DeliveryOutcome, permanent, retryLater } from './outcome.js';

export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/** Longest piece of an answer body kept in a failure reason. */
const BODY_IN_REASON = 300;

/** Cuts an answer body for a failure reason (the reason is stored with the failed job). */
export const excerpt = (body: string) =>
  body.length > BODY_IN_REASON ? `${body.slice(0, BODY_IN_REASON)}…` : body;

/**
 * POSTs once. A network error or timeout comes back as a `retry` outcome, never as an exception;
 * the URL is left out of reasons because robots carry their secret in it.
 */
export async function post(request: HttpRequest, timeoutMs: number): Promise<HttpAnswer | DeliveryOutcome> {
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      // A redirected POST may turn into a GET elsewhere; a moved endpoint is a config problem.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, headers: response.headers, body: await response.text() };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError')
      return retryLater(`no answer within ${timeoutMs} ms`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return retryLater(`network error: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
}

export function isAnswer(value: HttpAnswer | DeliveryOutcome): value is HttpAnswer {
  return 'body' in value;
}

/** Retry-After as delta-seconds or an HTTP date, in ms from `now`; undefined when absent or bad. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The outcome an HTTP status decides alone: 5xx, 408 and 429 are worth retrying (429 and 503
 * after Retry-After), other non-2xx are permanent. Undefined for 2xx: the body decides.
 */
export function statusOutcome(answer: HttpAnswer, service: string, now: number): DeliveryOutcome | undefined {
  const { status } = answer;
  if (status >= 200 && status < 300) return undefined;
  const reason = `${service} answered HTTP ${status}: ${excerpt(answer.body)}`;
  if (status === 429 || status === 503)
    return retryLater(reason, retryAfterMs(answer.headers.get('retry-after'), now));
  if (status >= 500 || status === 408) return retryLater(reason);
  return permanent(reason);
}

/** Parses a JSON answer body; robots answering something else are treated as failures. */
export function jsonBody(answer: HttpAnswer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(answer.body);
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
