import { SEND_MSG_EXCEPTION } from './commands.js';

const UINT32_MAX = 4_294_967_295;
const EVENT_TIME_TEXT = /^\d{1,16}$/;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

type Body = Record<string, unknown>;

const isObject = (value: unknown): value is Body =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const optionalString = (value: unknown) => value === undefined || typeof value === 'string';

/** A MsgBody element the schema surely accepts: text elements and element types it does not know. */
function plainElement(element: unknown): boolean {
  if (!isObject(element) || !isObject(element.MsgContent)) return false;
  const type = element.MsgType;
  if (typeof type !== 'string' || type.length === 0) return false;
  if (type === 'TIMTextElem') return typeof element.MsgContent.Text === 'string';
  // The other documented types have content schemas of their own: leave them to zod.
  return !type.startsWith('TIM');
}

/**
 * True only for bodies `sendMsgExceptionSchema` accepts too — the shapes Tencent sends every day,
 * checked by hand in a fraction of zod's time. False means "ask zod", not "invalid": zod keeps the
 * last word and writes the error message. fast-accept.test.ts holds this against the schema on
 * the samples and thousands of variants of them.
 */
export function surelyValidSendMsgException(body: Body): boolean {
  const { Random, OnlineOnlyFlag, MsgBody, EventTime } = body;
  return (
    body.CallbackCommand === SEND_MSG_EXCEPTION &&
    typeof body.GroupId === 'string' &&
    body.GroupId.length > 0 &&
    typeof body.From_Account === 'string' &&
    Number.isSafeInteger(body.ErrorCode) && // zod's int() means a safe integer
    optionalString(body.Type) &&
    optionalString(body.TopicId) &&
    optionalString(body.Operator_Account) &&
    optionalString(body.CloudCustomData) &&
    optionalString(body.ErrorInfo) &&
    (Random === undefined ||
      (typeof Random === 'number' && Number.isSafeInteger(Random) && Random >= 0 && Random <= UINT32_MAX)) &&
    (OnlineOnlyFlag === undefined || OnlineOnlyFlag === 0 || OnlineOnlyFlag === 1) &&
    (EventTime === undefined ||
      (typeof EventTime === 'number' && Number.isSafeInteger(EventTime) && EventTime >= 0) ||
      (typeof EventTime === 'string' && EVENT_TIME_TEXT.test(EventTime) && Number(EventTime) <= MAX_SAFE)) &&
    (MsgBody === undefined || (Array.isArray(MsgBody) && MsgBody.every(plainElement)))
  );
}

/** Fast acceptance per command, in front of commandSchemas. */
export const fastAccept: Readonly<Record<string, (body: Body) => boolean>> = {
  [SEND_MSG_EXCEPTION]: surelyValidSendMsgException,
};
