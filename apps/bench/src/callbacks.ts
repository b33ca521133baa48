import { callbackId, SEND_MSG_EXCEPTION } from '@imwatch/protocol';
import type { CallbackJob } from '@imwatch/queue';
import { seededRandom } from '@imwatch/testing';

/** The four causes Tencent names for a failed send, plus a code the catalogue does not know. */
const KINDS = [
  { share: 0.2, errorCode: 10017, errorInfo: 'sender is muted' },
  { share: 0.4, errorCode: 10023, errorInfo: 'msg count exceeds limit,please retry later' },
  { share: 0.15, errorCode: 80001, errorInfo: 'text contains sensitive words' },
  { share: 0.2, errorCode: 10010, errorInfo: 'group does not exist' },
  { share: 0.05, errorCode: 12345, errorInfo: 'something new' },
] as const;

export interface MixOptions {
  appId: string;
  groups: number;
  senders: number;
  /** Event times are spread over the `spanMs` before `now`. */
  now: number;
  spanMs: number;
  seed?: number;
}

/**
 * `count` distinct Group.CallbackSendMsgException callbacks as the ingest would enqueue them:
 * many groups and senders (a few busy ones, a long tail), every exception kind.
 */
export function mixedCallbacks(count: number, options: MixOptions): CallbackJob[] {
  const random = seededRandom(options.seed ?? 42);
  // Squaring skews the pick toward low indexes: a few hot groups and senders, a long tail.
  const skewed = (n: number) => Math.floor(random() ** 2 * n);
  const jobs: CallbackJob[] = [];
  for (let i = 0; i < count; i++) {
    const roll = random();
    let cumulative = 0;
    const kind =
      KINDS.find((k) => {
        cumulative += k.share;
        return roll < cumulative;
      }) ?? KINDS[0];
    const eventTime = options.now - Math.floor(random() * options.spanMs);
    const body = {
      CallbackCommand: SEND_MSG_EXCEPTION,
      GroupId: `@TGS#bench${skewed(options.groups)}`,
      Type: random() < 0.7 ? 'Public' : 'Work',
      From_Account: `user${skewed(options.senders)}`,
      Operator_Account: 'admin',
      Random: (i * 2654435761) >>> 0,
      MsgSeq: i,
      OnlineOnlyFlag: 0,
      MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `message ${i}` } }],
      ErrorCode: kind.errorCode,
      ErrorInfo: kind.errorInfo,
      EventTime: String(eventTime),
    };
    jobs.push({
      callbackId: callbackId(options.appId, SEND_MSG_EXCEPTION, body),
      appId: options.appId,
      command: SEND_MSG_EXCEPTION,
      platform: 'RESTAPI',
      clientIp: '127.0.0.1',
      receivedAt: eventTime + 5,
      body,
    });
  }
  return jobs;
}

/**
 * The mix of the bench's drain, cost and instruction runs: 500 groups, 5,000 senders, event times
 * over the 10 minutes just before the coarse counter window `now` is in. Anchored there, every run
 * counts the same callbacks into the same windows at any time of day; anchored on `now`, a run in
 * an hour's first 10 minutes split the coarse counters over two windows (BENCHMARKS.md).
 */
export function benchMix(count: number, appId: string, now: number, coarseWindowMs: number): CallbackJob[] {
  const windowStart = now - (now % coarseWindowMs);
  return mixedCallbacks(count, {
    appId,
    groups: 500,
    senders: 5000,
    now: windowStart - 1,
    spanMs: 10 * 60_000,
  });
}
