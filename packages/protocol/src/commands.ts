/** The callback imwatch turns into operations signals. */
export const SEND_MSG_EXCEPTION = 'Group.CallbackSendMsgException';

/**
 * Before-event callbacks decide the outcome of what the user is doing; a receiver that does not
 * handle them must answer "allow", which is the same body as the plain ack.
 */
export function isBeforeCallback(command: string): boolean {
  return /\.Callback(Before|Prev)/.test(command);
}

/** A command is a dotted name like `Group.CallbackSendMsgException`; anything else is rejected. */
export const COMMAND_PATTERN = /^[A-Za-z0-9]+(\.[A-Za-z0-9_]+)+$/;
