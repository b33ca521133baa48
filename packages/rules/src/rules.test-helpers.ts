import { parseConfig } from '@imwatch/config';
import { callbackId, SEND_MSG_EXCEPTION } from '@imwatch/protocol';
import type { CallbackJob } from '@imwatch/queue';

export const APP = '1400000000';
/** 2026-01-01T00:00:00Z: a window edge for every window length the defaults use. */
export const T0 = Date.UTC(2026, 0, 1);
export const MINUTE = 60_000;

/** The config of the shipped defaults (rules, alerting), as a worker would load it. */
export function defaultConfig(extra = '') {
  return parseConfig({}, `apps: [{ sdkAppId: ${APP} }]\n${extra}`);
}

let serial = 0;

export interface FailureSpec {
  code: number;
  group?: string;
  sender?: string;
  at: number;
  type?: string;
  text?: string;
  /** Makes otherwise equal callbacks distinct (Tencent's Random). */
  random?: number;
}

/** A `Group.CallbackSendMsgException` job as the ingest enqueues it, with an injected event time. */
export function failureCallback(spec: FailureSpec): CallbackJob {
  const body = {
    CallbackCommand: SEND_MSG_EXCEPTION,
    GroupId: spec.group ?? '@TGS#g1',
    Type: spec.type ?? 'Public',
    From_Account: spec.sender ?? 'alice',
    Random: spec.random ?? ++serial,
    MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: spec.text ?? 'hello' } }],
    ErrorCode: spec.code,
    ErrorInfo: `error ${spec.code}`,
    EventTime: String(spec.at),
  };
  return {
    callbackId: callbackId(APP, SEND_MSG_EXCEPTION, body),
    appId: APP,
    command: SEND_MSG_EXCEPTION,
    platform: 'RESTAPI',
    receivedAt: spec.at + 5,
    body,
  };
}

/** Any other command, counted as traffic only. */
export function otherCallback(command: string, at: number, random = ++serial): CallbackJob {
  const body = { CallbackCommand: command, EventTime: at, Random: random };
  return { callbackId: callbackId(APP, command, body), appId: APP, command, receivedAt: at, body };
}
