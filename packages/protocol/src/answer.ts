/** The protocol's answer body, for acks and rejections alike. */
export interface AnswerEnvelope {
  ActionStatus: 'OK' | 'FAIL';
  ErrorCode: number;
  ErrorInfo: string;
}

/** The standard ack; also "allow" for before-event callbacks. */
export const ACK: Readonly<AnswerEnvelope> = Object.freeze({
  ActionStatus: 'OK',
  ErrorInfo: '',
  ErrorCode: 0,
});

/** The ack, serialized once: exactly the bytes the protocol documents. */
export const ACK_JSON = '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}';

/**
 * Why imwatch refused a callback. The ErrorCode in the FAIL envelope is HTTP status × 10 + n,
 * so a person reading a log line knows the status class at a glance.
 */
export const Rejection = {
  MISSING_APP_ID: { status: 403, errorCode: 4030 },
  UNKNOWN_APP: { status: 403, errorCode: 4031 },
  MISSING_SIGNATURE: { status: 401, errorCode: 4010 },
  BAD_SIGNATURE: { status: 401, errorCode: 4011 },
  STALE_SIGNATURE: { status: 401, errorCode: 4012 },
  BODY_TOO_LARGE: { status: 413, errorCode: 4130 },
  INVALID_JSON: { status: 400, errorCode: 4000 },
  NOT_AN_OBJECT: { status: 400, errorCode: 4001 },
  MISSING_COMMAND: { status: 400, errorCode: 4002 },
  COMMAND_MISMATCH: { status: 400, errorCode: 4003 },
  INVALID_BODY: { status: 400, errorCode: 4004 },
  QUEUE_UNAVAILABLE: { status: 503, errorCode: 5030 },
  INTERNAL: { status: 500, errorCode: 5000 },
} as const;

export type RejectionReason = keyof typeof Rejection;

/** A FAIL envelope; `info` must say what was wrong in words a caller can act on. */
export function failEnvelope(errorCode: number, info: string): AnswerEnvelope {
  return { ActionStatus: 'FAIL', ErrorCode: errorCode, ErrorInfo: info };
}
