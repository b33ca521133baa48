import { z } from 'zod';

// Numbers that some SDKs or doc revisions send as strings.
const numeric = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)]);

/** Content schemas of the element types Tencent documents; unknown fields inside are kept. */
export const msgContentSchemas = {
  TIMTextElem: z.looseObject({ Text: z.string() }),
  TIMLocationElem: z.looseObject({ Desc: z.string().optional(), Latitude: numeric, Longitude: numeric }),
  TIMFaceElem: z.looseObject({ Index: numeric.optional(), Data: z.string().optional() }),
  TIMCustomElem: z.looseObject({
    Data: z.string().optional(),
    Desc: z.string().optional(),
    Ext: z.string().optional(),
    Sound: z.string().optional(),
  }),
  TIMSoundElem: z.looseObject({
    Url: z.string().optional(),
    UUID: z.string().optional(),
    Size: numeric.optional(),
    Second: numeric.optional(),
    Download_Flag: numeric.optional(),
  }),
  TIMImageElem: z.looseObject({
    UUID: z.string().optional(),
    ImageFormat: numeric.optional(),
    ImageInfoArray: z
      .array(
        z.looseObject({
          Type: numeric.optional(),
          Size: numeric.optional(),
          Width: numeric.optional(),
          Height: numeric.optional(),
          URL: z.string().optional(),
        }),
      )
      .optional(),
  }),
  TIMFileElem: z.looseObject({
    Url: z.string().optional(),
    UUID: z.string().optional(),
    FileSize: numeric.optional(),
    FileName: z.string().optional(),
    Download_Flag: numeric.optional(),
  }),
  TIMVideoFileElem: z.looseObject({
    VideoUrl: z.string().optional(),
    VideoUUID: z.string().optional(),
    VideoSize: numeric.optional(),
    VideoSecond: numeric.optional(),
    VideoFormat: z.string().optional(),
    VideoDownloadFlag: numeric.optional(),
    ThumbUrl: z.string().optional(),
    ThumbUUID: z.string().optional(),
    ThumbSize: numeric.optional(),
    ThumbWidth: numeric.optional(),
    ThumbHeight: numeric.optional(),
    ThumbFormat: z.string().optional(),
    ThumbDownloadFlag: numeric.optional(),
  }),
  TIMRelayElem: z.looseObject({
    Title: z.string().optional(),
    MsgNum: numeric.optional(),
    CompatibleText: z.string().optional(),
    AbstractList: z.array(z.string()).optional(),
    MsgList: z.array(z.unknown()).optional(),
    JsonMsgKey: z.string().optional(),
  }),
} as const;

export type KnownMsgType = keyof typeof msgContentSchemas;

function isKnownMsgType(type: string): type is KnownMsgType {
  return Object.hasOwn(msgContentSchemas, type);
}

/**
 * One element of MsgBody. Known types are checked against their schema; unknown types pass
 * through untouched, because Tencent adds element types over time.
 */
export const msgElementSchema = z
  .looseObject({ MsgType: z.string().min(1), MsgContent: z.looseObject({}) })
  .superRefine((element, ctx) => {
    if (!isKnownMsgType(element.MsgType)) return;
    const result = msgContentSchemas[element.MsgType].safeParse(element.MsgContent);
    if (result.success) return;
    for (const issue of result.error.issues) {
      ctx.addIssue({ code: 'custom', message: issue.message, path: ['MsgContent', ...issue.path] });
    }
  });

export type MsgElement = z.infer<typeof msgElementSchema>;

/** The first text of a message, for alert samples; undefined when it has none. */
export function firstText(body: readonly MsgElement[] | undefined): string | undefined {
  for (const element of body ?? []) {
    if (element.MsgType === 'TIMTextElem' && typeof element.MsgContent.Text === 'string') {
      return element.MsgContent.Text;
    }
  }
  return undefined;
}
