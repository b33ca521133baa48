export {
  ACK,
  ACK_JSON,
  type AnswerEnvelope,
  failEnvelope,
  Rejection,
  type RejectionReason,
} from './answer.js';
export { callbackId } from './callback-id.js';
export { canonicalJson } from './canonical-json.js';
export { COMMAND_PATTERN, isBeforeCallback, SEND_MSG_EXCEPTION } from './commands.js';
export {
  categorize,
  ERROR_CATEGORIES,
  type ErrorCategory,
  type ErrorCodeInfo,
  errorCatalogue,
} from './error-codes.js';
export {
  firstText,
  type KnownMsgType,
  type MsgElement,
  msgContentSchemas,
  msgElementSchema,
} from './msg-body.js';
export { type CallbackQuery, callbackQuerySchema, readCallbackQuery } from './query.js';
export {
  eventTimeSchema,
  type SendMsgException,
  sendMsgExceptionSchema,
  uint32Schema,
} from './send-msg-exception.js';
export { computeSign, type SignCheck, type SignInput, verifySign } from './sign.js';
export {
  type BodyCheck,
  checkCallbackBody,
  commandSchemas,
  formatIssues,
  MAX_BODY_DEPTH,
  nestedDeeperThan,
} from './validate.js';
