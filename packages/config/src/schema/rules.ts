import { ERROR_CATEGORIES, type ErrorCategory } from '@imwatch/protocol';
import { z } from 'zod';
import { durationSchema } from './duration.js';

/** Labels a rule can group by and an inhibition can compare; each is a field of the callback. */
export const LABELS = ['app', 'group', 'sender', 'errorCode', 'category', 'groupType', 'platform'] as const;
export type Label = (typeof LABELS)[number];

const labelSchema = z.enum(LABELS, { error: () => `must be one of ${LABELS.join(', ')}` });
const categorySchema = z.enum(ERROR_CATEGORIES as [ErrorCategory, ...ErrorCategory[]], {
  error: () => `must be one of ${ERROR_CATEGORIES.join(', ')}`,
});
const nonEmptyList = <T extends z.ZodType>(item: T) => z.array(item).min(1, 'list at least one value');

const regexSchema = z.string().superRefine((text, ctx) => {
  try {
    new RegExp(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` });
  }
});

/** What a callback must look like for a rule to apply; every given condition must hold. */
const matchSchema = z
  .strictObject({
    /** CallbackCommand; rules currently see `Group.CallbackSendMsgException` only. */
    command: z.string().min(1).optional(),
    category: nonEmptyList(categorySchema).optional(),
    errorCode: nonEmptyList(z.number().int()).optional(),
    /** `false`: only error codes the catalogue does not know (so it can be extended). */
    knownErrorCode: z.boolean().optional(),
    groupType: nonEmptyList(z.string().min(1)).optional(),
    /** A regular expression the GroupId must match (unanchored; use ^…$ to anchor). */
    groupId: regexSchema.optional(),
    platform: nonEmptyList(z.string().min(1)).optional(),
    sender: nonEmptyList(z.string().min(1)).optional(),
  })
  .prefault({});

const ruleFields = z.strictObject({
  /** Used in alert ids and Redis keys: keep it short and stable. */
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, - or _ (at most 63)'),
  kind: z.enum(['alert', 'threshold'], { error: () => 'must be alert or threshold' }),
  enabled: z.boolean().default(true),
  match: matchSchema,
  groupBy: z.array(labelSchema).min(1, 'list at least one label').default(['app']),
  /**
   * alert: repeats for the same key inside it are suppressed and counted. threshold (optional):
   * after an alert for a key, its later windows that reach the threshold inside it are suppressed.
   */
  cooldown: durationSchema('1s', '30d').optional(),
  /** threshold: tumbling window length. */
  window: durationSchema('1s', '7d').optional(),
  /** threshold: events of one key in one window that fire the alert. */
  threshold: z.number().int().min(1).max(100_000_000).optional(),
  /** threshold: how many of the window's top senders the alert lists. */
  topSenders: z.number().int().min(0).max(50).default(0),
  /** Sinks the alerts go to; default `alerting.defaultSinks`. */
  sinks: z.array(z.string().min(1)).optional(),
});

// `group_by` is the spelling of the issue and of Alertmanager; the house style is camelCase.
const withAliases = (value: unknown) => {
  if (value === null || typeof value !== 'object' || !('group_by' in value)) return value;
  const { group_by, ...rest } = value as Record<string, unknown>;
  return 'groupBy' in rest ? value : { ...rest, groupBy: group_by };
};

export const ruleSchema = z.preprocess(
  withAliases,
  ruleFields
    .superRefine((rule, ctx) => {
      const need = (key: 'cooldown' | 'window' | 'threshold', when: string) =>
        ctx.addIssue({ code: 'custom', path: [key], message: `required for a ${when} rule` });
      const forbid = (key: 'cooldown' | 'window' | 'threshold' | 'topSenders', kind: string) =>
        ctx.addIssue({ code: 'custom', path: [key], message: `not used by a ${kind} rule; remove it` });
      if (rule.kind === 'alert') {
        if (rule.cooldown === undefined) need('cooldown', 'kind: alert');
        if (rule.window !== undefined) forbid('window', 'kind: alert');
        if (rule.threshold !== undefined) forbid('threshold', 'kind: alert');
        if (rule.topSenders > 0) forbid('topSenders', 'kind: alert');
      } else {
        if (rule.window === undefined) need('window', 'kind: threshold');
        if (rule.threshold === undefined) need('threshold', 'kind: threshold');
      }
      if (new Set(rule.groupBy).size !== rule.groupBy.length)
        ctx.addIssue({ code: 'custom', path: ['groupBy'], message: 'lists a label twice' });
    })
    .transform(({ cooldown, window, threshold, ...rule }) => ({
      ...rule,
      cooldownMs: cooldown ?? 0,
      windowMs: window ?? 0,
      threshold: threshold ?? 0,
    })),
);

export type RuleConfig = z.output<typeof ruleSchema>;

/** The shipped rules, used when imwatch.yaml has no `rules:` (the same list is in imwatch.yaml). */
export const DEFAULT_RULES = [
  {
    name: 'muted-sender',
    kind: 'alert',
    match: { category: ['muted'] },
    groupBy: ['app', 'group', 'sender'],
    cooldown: '10m',
  },
  {
    name: 'rate-limited-group',
    kind: 'threshold',
    match: { category: ['rate_limited'] },
    groupBy: ['app', 'group'],
    window: '1m',
    threshold: 20,
    topSenders: 5,
  },
  {
    name: 'rate-limited-sender',
    kind: 'threshold',
    match: { category: ['rate_limited'] },
    groupBy: ['app', 'sender'],
    window: '1m',
    threshold: 10,
  },
  {
    name: 'content-blocked-sender',
    kind: 'threshold',
    match: { category: ['content_blocked'] },
    groupBy: ['app', 'sender'],
    window: '1h',
    threshold: 3,
  },
  {
    name: 'invalid-request',
    kind: 'threshold',
    match: { category: ['invalid_request'] },
    groupBy: ['app', 'errorCode', 'group'],
    window: '5m',
    threshold: 10,
  },
  {
    name: 'unknown-error-code',
    kind: 'alert',
    match: { knownErrorCode: false },
    groupBy: ['app', 'errorCode'],
    cooldown: '24h',
  },
] as const;

export const rulesSchema = z
  .array(ruleSchema)
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    rules.forEach((rule, index) => {
      if (seen.has(rule.name))
        ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate rule name ${rule.name}` });
      seen.add(rule.name);
    });
  })
  .prefault(DEFAULT_RULES as unknown as unknown[]);
