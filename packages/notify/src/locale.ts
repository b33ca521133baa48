import type { Alert } from '@imwatch/queue';

export type Locale = 'en' | 'zh-CN';

/** Words of the default templates in each locale. */
export interface Words {
  title: (rule: string) => string;
  digestTitle: (count: number) => string;
  digestHead: (count: number) => string;
  digestByRule: string;
  digestUnlisted: (count: number) => string;
  rule: string;
  category: string;
  app: string;
  group: string;
  sender: string;
  error: string;
  count: string;
  window: string;
  top: string;
  sample: string;
  suppressed: string;
  categories: Record<Alert['category'], string>;
  kinds: Record<Alert['kind'], string>;
}

export const WORDS: Record<Locale, Words> = {
  en: {
    title: (rule) => `imwatch alert: ${rule}`,
    digestTitle: (count) => `imwatch: ${count} more alerts`,
    digestHead: (count) => `${count} more alerts (held back by the rate limit):`,
    digestByRule: 'By rule',
    digestUnlisted: (count) => `… and ${count} more not listed`,
    rule: 'Rule',
    category: 'Category',
    app: 'App',
    group: 'Group',
    sender: 'Sender',
    error: 'Error',
    count: 'Count',
    window: 'Window',
    top: 'Top senders',
    sample: 'Message',
    suppressed: 'Suppressed since the last alert',
    categories: {
      muted: 'sender muted',
      rate_limited: 'rate limited',
      content_blocked: 'content blocked',
      invalid_request: 'invalid request',
      other: 'other',
    },
    kinds: { alert: 'alert', threshold: 'threshold' },
  },
  'zh-CN': {
    title: (rule) => `imwatch 告警：${rule}`,
    digestTitle: (count) => `imwatch：另有 ${count} 条告警`,
    digestHead: (count) => `另有 ${count} 条告警（因发送频率限制合并发送）：`,
    digestByRule: '按规则',
    digestUnlisted: (count) => `…… 另有 ${count} 条未列出`,
    rule: '规则',
    category: '类别',
    app: '应用',
    group: '群组',
    sender: '发送者',
    error: '错误',
    count: '次数',
    window: '时间窗口',
    top: '主要发送者',
    sample: '消息示例',
    suppressed: '自上次告警以来被抑制',
    categories: {
      muted: '发送者被禁言',
      rate_limited: '发送频率超限',
      content_blocked: '内容被拦截',
      invalid_request: '无效请求',
      other: '其他',
    },
    kinds: { alert: '单次告警', threshold: '阈值告警' },
  },
};

/** `2026-11-23 11:35:30 UTC`: the same in every locale, so times in a team chat compare easily. */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
