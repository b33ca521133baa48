import { z } from 'zod';

/**
 * An alert: the public contract between the rules engine and every notification sink. Adding an
 * optional field is compatible; renaming or removing one breaks receivers (document it in README).
 */
export const alertSchema = z.object({
  id: z.string().min(1),
  rule: z.string().min(1),
  kind: z.enum(['alert', 'threshold']),
  category: z.enum(['muted', 'rate_limited', 'content_blocked', 'invalid_request', 'other']),
  appId: z.string(),
  groupId: z.string().optional(),
  groupType: z.string().optional(),
  sender: z.string().optional(),
  errorCode: z.number().int().optional(),
  errorInfo: z.string().optional(),
  /** Events this alert stands for (for a threshold: the count in the window so far). */
  count: z.number().int().nonnegative(),
  /** Alerts held back by the cooldown since the previous alert of the same key. */
  suppressed: z.number().int().nonnegative().optional(),
  window: z.object({ start: z.number(), end: z.number() }).optional(),
  firstEventTime: z.number(),
  lastEventTime: z.number(),
  top: z.array(z.object({ sender: z.string(), count: z.number().int() })).optional(),
  sample: z.object({ msgType: z.string(), text: z.string().optional() }).optional(),
  /** One human sentence. */
  summary: z.string(),
});

export type Alert = z.infer<typeof alertSchema>;
