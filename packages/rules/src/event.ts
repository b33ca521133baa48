import { categorize, type ErrorCategory, SEND_MSG_EXCEPTION } from '@imwatch/protocol';
import type { CallbackJob } from '@imwatch/queue';

/** The facts of one callback that rules match on and count by. */
export interface CallbackEvent {
  appId: string;
  command: string;
  platform: string;
  /** ms since the epoch: the body's EventTime, else when the ingest received it. */
  eventTime: number;
  /** Present for `Group.CallbackSendMsgException` only. */
  failure?: DeliveryFailure;
}

/** A group message Tencent could not deliver. */
export interface DeliveryFailure {
  group: string;
  groupType: string;
  sender: string;
  errorCode: number;
  errorInfo: string;
  category: ErrorCategory;
  /** The catalogue knows the code. */
  known: boolean;
  meaning: string;
  sample?: { msgType: string; text?: string };
}

const MAX_SAMPLE_TEXT = 200;

/**
 * Text from a callback as Redis can take it. JSON may escape half of a surrogate pair
 * ("\ud800"); JavaScript keeps it, but UTF-8 cannot encode it and the apply script's cjson refuses
 * it in an alert template, so it becomes U+FFFD here, as it would on its way to Redis anyway.
 */
function redisText(text: string): string {
  return text.toWellFormed();
}

/** The first `max` UTF-16 units of `text`, one fewer when the cut would split a surrogate pair. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

function eventTimeOf(body: Record<string, unknown>, receivedAt: number): number {
  const raw = body.EventTime;
  const value = typeof raw === 'string' && /^\d{1,16}$/.test(raw) ? Number(raw) : raw;
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : receivedAt;
}

function sampleOf(msgBody: unknown): DeliveryFailure['sample'] {
  if (!Array.isArray(msgBody) || msgBody.length === 0) return undefined;
  const first = msgBody[0] as { MsgType?: unknown };
  const msgType = typeof first?.MsgType === 'string' ? redisText(first.MsgType) : 'unknown';
  for (const element of msgBody as { MsgType?: unknown; MsgContent?: { Text?: unknown } }[]) {
    if (element?.MsgType === 'TIMTextElem' && typeof element.MsgContent?.Text === 'string') {
      return { msgType, text: redisText(cutText(element.MsgContent.Text, MAX_SAMPLE_TEXT)) };
    }
  }
  return { msgType };
}

/**
 * Reads a validated callback job into an event. The ingest already checked the body against the
 * protocol schema, so this only picks fields (cheaply: it runs for every callback); a
 * SendMsgException body lacking its key fields is treated as traffic only.
 */
export function toEvent(callback: CallbackJob): CallbackEvent {
  const { body } = callback;
  const event: CallbackEvent = {
    appId: callback.appId,
    command: callback.command,
    platform: callback.platform ?? '',
    eventTime: eventTimeOf(body, callback.receivedAt),
  };
  if (callback.command !== SEND_MSG_EXCEPTION) return event;
  const { GroupId, From_Account, ErrorCode, ErrorInfo, Type } = body;
  if (typeof GroupId !== 'string' || typeof From_Account !== 'string' || !Number.isInteger(ErrorCode))
    return event;
  const errorCode = ErrorCode as number;
  const info = categorize(errorCode);
  const sample = sampleOf(body.MsgBody);
  event.failure = {
    group: redisText(GroupId),
    groupType: typeof Type === 'string' ? redisText(Type) : '',
    sender: redisText(From_Account),
    errorCode,
    errorInfo: typeof ErrorInfo === 'string' ? redisText(ErrorInfo) : '',
    category: info.category,
    known: info.known,
    meaning: info.meaning,
    ...(sample ? { sample } : {}),
  };
  return event;
}
