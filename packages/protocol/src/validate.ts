import type { z } from 'zod';
import { COMMAND_PATTERN, SEND_MSG_EXCEPTION } from './commands.js';
import { fastAccept } from './fast-accept.js';
import { sendMsgExceptionSchema } from './send-msg-exception.js';

/** Commands with a body schema; every other command only has to be a JSON object (the envelope). */
export const commandSchemas: Readonly<Record<string, z.ZodType>> = {
  [SEND_MSG_EXCEPTION]: sendMsgExceptionSchema,
};

export type BodyCheck =
  | { ok: true; command: string }
  | {
      ok: false;
      reason: 'NOT_AN_OBJECT' | 'MISSING_COMMAND' | 'COMMAND_MISMATCH' | 'INVALID_BODY';
      message: string;
    };

/** Renders zod issues as `path: message; …`, short enough for an ErrorInfo. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], max = 5): string {
  const parts = issues.slice(0, max).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)';
    return `${path}: ${issue.message}`;
  });
  if (issues.length > max) parts.push(`and ${issues.length - max} more`);
  return parts.join('; ');
}

/** Deepest nesting of objects and arrays accepted in a callback body. */
export const MAX_BODY_DEPTH = 32;

/** Whether a parsed JSON value nests objects/arrays deeper than `max`; iterative, so it cannot overflow. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(item)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * Checks a parsed callback body: an object, with a CallbackCommand that agrees with the URL's,
 * and valid against its command's schema when there is one.
 */
export function checkCallbackBody(body: unknown, urlCommand: string | undefined): BodyCheck {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, reason: 'NOT_AN_OBJECT', message: 'body must be a JSON object' };
  }
  if (nestedDeeperThan(body, MAX_BODY_DEPTH)) {
    // Tencent's bodies are a few levels deep; thousands of levels are an attack on recursion.
    return {
      ok: false,
      reason: 'INVALID_BODY',
      message: `body is nested deeper than ${MAX_BODY_DEPTH} levels`,
    };
  }
  const bodyCommand = (body as Record<string, unknown>).CallbackCommand;
  if (bodyCommand !== undefined && typeof bodyCommand !== 'string') {
    return { ok: false, reason: 'INVALID_BODY', message: 'CallbackCommand: must be a string' };
  }
  if (bodyCommand !== undefined && urlCommand !== undefined && bodyCommand !== urlCommand) {
    return {
      ok: false,
      reason: 'COMMAND_MISMATCH',
      message: `CallbackCommand in the URL (${urlCommand}) differs from the body's (${bodyCommand})`,
    };
  }
  const command = bodyCommand ?? urlCommand;
  if (command === undefined) {
    return { ok: false, reason: 'MISSING_COMMAND', message: 'CallbackCommand is missing from URL and body' };
  }
  if (!COMMAND_PATTERN.test(command) || command.length > 128) {
    return { ok: false, reason: 'INVALID_BODY', message: 'CallbackCommand: not a command name' };
  }
  const schema = commandSchemas[command];
  // The everyday shapes pass a hand check at a fraction of zod's cost; the rest goes to zod.
  if (schema && !fastAccept[command]?.(body as Record<string, unknown>)) {
    const result = schema.safeParse(body);
    if (!result.success)
      return { ok: false, reason: 'INVALID_BODY', message: formatIssues(result.error.issues) };
  }
  return { ok: true, command };
}
