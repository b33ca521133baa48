import { z } from 'zod';
import { SEND_MSG_EXCEPTION } from './commands.js';
import { msgElementSchema } from './msg-body.js';

const UINT32_MAX = 4_294_967_295;

/** Random, MsgSeq and friends: unsigned 32-bit, sometimes sent as a string. */
export const uint32Schema = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\d{1,10}$/, 'must be an unsigned 32-bit integer')
      .transform(Number),
  ])
  .pipe(z.number().int('must be an unsigned 32-bit integer').min(0).max(UINT32_MAX));

/** EventTime in milliseconds: a number in the Chinese docs, a string in the English ones. */
export const eventTimeSchema = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\d{1,16}$/, 'must be milliseconds since the epoch')
      .transform(Number),
  ])
  .pipe(z.number().int().nonnegative());

/**
 * The body of `Group.CallbackSendMsgException`. Unknown fields are kept (`looseObject`) so that
 * nothing Tencent adds is lost on the way to the worker.
 */
export const sendMsgExceptionSchema = z.looseObject({
  CallbackCommand: z.literal(SEND_MSG_EXCEPTION),
  GroupId: z.string().min(1, 'GroupId must not be empty'),
  Type: z.string().optional(),
  TopicId: z.string().optional(),
  From_Account: z.string(),
  Operator_Account: z.string().optional(),
  Random: uint32Schema.optional(),
  OnlineOnlyFlag: z.union([z.literal(0), z.literal(1)]).optional(),
  MsgBody: z.array(msgElementSchema).optional(),
  CloudCustomData: z.string().optional(),
  ErrorCode: z.number().int('ErrorCode must be an integer'),
  ErrorInfo: z.string().optional(),
  EventTime: eventTimeSchema.optional(),
});

export type SendMsgException = z.output<typeof sendMsgExceptionSchema>;
