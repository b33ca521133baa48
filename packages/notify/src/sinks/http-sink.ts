import type { SinkConfig } from '@imwatch/config';
import {
  excerpt,
  type HttpAnswer,
  type HttpRequest,
  isAnswer,
  jsonBody,
  post,
  statusOutcome,
} from '../http.js';
import { type DeliveryOutcome, delivered, permanent, retryLater } from '../outcome.js';
import { rateLimitsOf } from '../rate-limits.js';
import type { Notice, Sink } from '../sink.js';

/** How one HTTP service is spoken to: the request for a notice, and what its 2xx answer means. */
export interface HttpService {
  /** Display name in failure reasons. */
  service: string;
  request(notice: Notice, now: number): HttpRequest;
  /** Judges a 2xx answer (robots report errors in the body); default: delivered. */
  answer?(answer: HttpAnswer): DeliveryOutcome;
  /** Judges a non-2xx answer whose body carries a robot error code; default: by status. */
  robotError?(answer: HttpAnswer): DeliveryOutcome | undefined;
}

/** A sink that makes one HTTP POST per notice. */
export function httpSink(name: string, config: SinkConfig, service: HttpService): Sink {
  return {
    name,
    type: config.type,
    limits: rateLimitsOf(config),
    digestMaxEntries: config.digest.maxEntries,
    async send(notice, now) {
      const result = await post(service.request(notice, now), config.timeoutMs);
      if (!isAnswer(result)) return result;
      const byStatus = statusOutcome(result, service.service, now);
      if (byStatus === undefined)
        return service.answer ? service.answer(result) : delivered(`HTTP ${result.status}`);
      if (byStatus.status === 'permanent') return service.robotError?.(result) ?? byStatus;
      return byStatus;
    },
  };
}

export interface RobotCodes {
  /** Field of the error code in the answer: `errcode` (WeCom, DingTalk) or `code` (Feishu). */
  codeField: string;
  messageField: string;
  /** Codes that mean "too fast" or "busy": worth retrying later. */
  retryable: readonly number[];
}

/**
 * Robots answer HTTP 200 with their own error code; 0 is success. A rate-limit or busy code is
 * retried, any other code is permanent (bad key, bad signature, keyword missing, …).
 */
export function robotOutcome(service: string, answer: HttpAnswer, codes: RobotCodes): DeliveryOutcome {
  const body = jsonBody(answer);
  if (body === undefined)
    return permanent(`${service} answered HTTP ${answer.status} without JSON: ${excerpt(answer.body)}`);
  // Feishu's older answers carry StatusCode instead of code.
  const raw = body[codes.codeField] ?? body.StatusCode;
  const code = typeof raw === 'number' ? raw : Number(raw);
  if (code === 0) return delivered(`${codes.codeField} 0`);
  const message = body[codes.messageField] ?? body.StatusMessage ?? '';
  const reason = `${service} error ${codes.codeField} ${raw}: ${excerpt(String(message))}`;
  return codes.retryable.includes(code) ? retryLater(reason) : permanent(reason);
}
