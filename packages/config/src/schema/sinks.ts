import { z } from 'zod';

/** Fields a `{{field}}` template may use; anything else is a config error, not an empty string. */
export const TEMPLATE_FIELDS = [
  'summary',
  'rule',
  'kind',
  'category',
  'appId',
  'groupId',
  'groupType',
  'sender',
  'errorCode',
  'errorInfo',
  'count',
  'suppressed',
  'window',
  'firstEventTime',
  'lastEventTime',
  'top',
  'sample',
  'alertId',
  'sink',
] as const;

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

const template = z
  .string()
  .min(1)
  .max(4000)
  .superRefine((text, ctx) => {
    for (const [, field] of text.matchAll(PLACEHOLDER)) {
      if (!(TEMPLATE_FIELDS as readonly string[]).includes(field ?? '')) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown template field {{${field}}}; use one of ${TEMPLATE_FIELDS.join(', ')}`,
        });
      }
    }
  });

const httpUrl = z
  .string()
  .refine((value) => /^https?:\/\/[^\s]+$/.test(value) && URL.canParse(value), 'must be an http(s) URL');

const mobiles = z.array(z.string().regex(/^(\+?\d{5,20}|@all)$/, 'must be a mobile number')).max(100);

/** Settings every sink has. */
const common = {
  /** Language of the default templates. */
  locale: z.enum(['en', 'zh-CN']).default('en'),
  /** `{{field}}` templates replacing the default title and text. */
  templates: z.strictObject({ title: template.optional(), text: template.optional() }).optional(),
  /** Overrides the service's published limit; omitted fields keep the default. */
  rateLimit: z
    .strictObject({
      perMinute: z.number().int().min(1).max(1_000_000).optional(),
      perSecond: z.number().int().min(1).max(100_000).optional(),
    })
    .optional(),
  /** Time one request may take before it counts as failed and is retried. */
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  /** Digest sent when alerts exceed the rate limit. */
  digest: z
    .strictObject({
      /** Alert lines listed in one digest message; the rest are counted. */
      maxLines: z.number().int().min(1).max(100).default(10),
      /** Alerts kept for the next digest; beyond this they are only counted. */
      maxEntries: z.number().int().min(1).max(100_000).default(1000),
    })
    .prefault({}),
};

const logSink = z.strictObject({
  type: z.literal('log'),
  level: z.enum(['info', 'warn', 'error']).default('warn'),
  ...common,
});

const webhookSink = z.strictObject({
  type: z.literal('webhook'),
  url: httpUrl,
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name'), z.string())
    .optional(),
  /** Standard Webhooks signing secret, `whsec_` + base64 of 24–64 random bytes. */
  secret: z
    .string()
    .refine((value) => {
      if (!value.startsWith('whsec_')) return false;
      const base64 = value.slice('whsec_'.length);
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return false;
      const bytes = Buffer.from(base64, 'base64').length;
      return bytes >= 24 && bytes <= 64;
    }, 'must be whsec_ followed by the base64 of 24–64 bytes (e.g. whsec_$(openssl rand -base64 32))')
    .optional(),
  ...common,
});

const slackSink = z.strictObject({
  type: z.literal('slack'),
  webhookUrl: httpUrl,
  ...common,
});

const wecomSink = z
  .strictObject({
    type: z.literal('wecom'),
    /** The robot's full webhook address, or only its `key`. */
    webhookUrl: httpUrl.optional(),
    key: z.string().min(1).optional(),
    msgType: z.enum(['text', 'markdown']).default('text'),
    /** Mobiles to @-mention (text messages only); `@all` mentions everyone. */
    mentionedMobiles: mobiles.optional(),
    ...common,
  })
  .refine((sink) => (sink.webhookUrl === undefined) !== (sink.key === undefined), {
    message: 'set exactly one of webhookUrl and key',
    path: ['webhookUrl'],
  });

const dingtalkSink = z
  .strictObject({
    type: z.literal('dingtalk'),
    /** The robot's full webhook address, or only its `access_token`. */
    webhookUrl: httpUrl.optional(),
    accessToken: z.string().min(1).optional(),
    /** The "SEC…" secret of the robot's signing security setting. */
    secret: z.string().min(1).optional(),
    msgType: z.enum(['text', 'markdown']).default('text'),
    atMobiles: mobiles.optional(),
    atAll: z.boolean().default(false),
    ...common,
  })
  .refine((sink) => (sink.webhookUrl === undefined) !== (sink.accessToken === undefined), {
    message: 'set exactly one of webhookUrl and accessToken',
    path: ['webhookUrl'],
  });

const feishuSink = z.strictObject({
  type: z.literal('feishu'),
  /** The custom bot's webhook address (Feishu or Lark). */
  webhookUrl: httpUrl,
  /** The bot's signature-verification secret. */
  secret: z.string().min(1).optional(),
  ...common,
});

const emailSink = z
  .strictObject({
    type: z.literal('email'),
    /** `smtp://user:pass@host:587` or `smtps://…`; or the fields below. */
    smtpUrl: z
      .string()
      .regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL')
      .optional(),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean().optional(),
    auth: z.strictObject({ user: z.string().min(1), pass: z.string() }).optional(),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1, 'list at least one recipient'),
    ...common,
  })
  .refine((sink) => (sink.smtpUrl === undefined) !== (sink.host === undefined), {
    message: 'set exactly one of smtpUrl and host',
    path: ['smtpUrl'],
  });

const sinkSchema = z.discriminatedUnion(
  'type',
  [logSink, webhookSink, slackSink, wecomSink, dingtalkSink, feishuSink, emailSink],
  {
    // zod's "Invalid discriminator value" names neither the value nor, readably, the choices.
    error: (issue) => {
      if (issue.code !== 'invalid_union' || !('options' in issue)) return undefined;
      const choices = `expected one of ${(issue.options as unknown[]).join(', ')}`;
      const type = (issue.input as { type?: unknown } | undefined)?.type;
      return type === undefined
        ? `missing sink type; ${choices}`
        : `unknown sink type ${JSON.stringify(type)}; ${choices}`;
    },
  },
);

export type SinkConfig = z.output<typeof sinkSchema>;
export type SinkType = SinkConfig['type'];

/** The sink every config has, so alerts always go somewhere even with no `sinks:` section. */
export const LOG_SINK = 'log';

const SINK_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Sinks by name. Names end up in job ids (`<alertId>.<sink>`), hence the narrow alphabet. A `log`
 * sink is always present; configuring one under that name changes its settings.
 */
export const sinksSchema = z
  .record(z.string(), sinkSchema)
  .default({})
  .refine((sinks) => Object.keys(sinks).every((name) => SINK_NAME.test(name)), {
    message: 'sink names are 1–64 letters, digits, _ or -',
    // Checked even when a sink's settings are bad, so one run reports both.
    when: () => true,
  })
  .transform((sinks): Record<string, SinkConfig> => {
    if (sinks[LOG_SINK]) return sinks;
    return { ...sinks, [LOG_SINK]: logSink.parse({ type: 'log' }) };
  });

/**
 * Issues for sink names referenced elsewhere (a rule's `sinks`, `alerting.defaultSinks`) that are
 * not configured, each with the path of the reference.
 */
export function unknownSinkIssues(
  references: readonly { path: readonly (string | number)[]; sink: string }[],
  sinks: Readonly<Record<string, unknown>>,
): { path: (string | number)[]; message: string }[] {
  // `log` always exists; it is only missing here when another sink failed and the section's
  // transform (which adds it) did not run, and reporting it then would be a false alarm.
  const names = new Set([...Object.keys(sinks), LOG_SINK]);
  const known = [...names].sort().join(', ');
  return references
    .filter(({ sink }) => !names.has(sink))
    .map(({ path, sink }) => ({
      path: [...path],
      message: `unknown sink "${sink}"; configured sinks: ${known}`,
    }));
}
