import { z } from 'zod';

/** One Tencent IM app whose callbacks imwatch accepts. */
export const appSchema = z.strictObject({
  sdkAppId: z
    .union([z.number().int().positive(), z.string().regex(/^\d{1,20}$/, 'must be the numeric SDKAppID')])
    .transform(String),
  name: z.string().min(1).max(64).optional(),
  /**
   * The console's callback token (1–128 characters). When set, every callback must carry a valid
   * Sign/RequestTime; empty (e.g. an unset `${VAR:-}`) means authentication is off for this app.
   */
  callbackToken: z
    .string()
    .max(128, 'Tencent tokens are 1–128 characters')
    .optional()
    .transform((token) => (token === '' ? undefined : token)),
});

export type AppConfig = z.output<typeof appSchema>;

export const appsSchema = z
  .array(appSchema)
  .min(1, 'list at least one app')
  .superRefine((apps, ctx) => {
    const seen = new Set<string>();
    apps.forEach((app, index) => {
      if (seen.has(app.sdkAppId)) {
        ctx.addIssue({
          code: 'custom',
          message: `duplicate sdkAppId ${app.sdkAppId}`,
          path: [index, 'sdkAppId'],
        });
      }
      seen.add(app.sdkAppId);
    });
  });
