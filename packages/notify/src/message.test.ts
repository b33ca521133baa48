import { sampleAlert } from '@imwatch/testing';
import { describe, expect, it } from 'vitest';
import { alertMessage } from './message.js';
import { renderTemplate } from './template.js';

const mutedAlert = sampleAlert(3, {
  rule: 'muted-sender',
  kind: 'alert' as const,
  category: 'muted' as const,
  sender: 'user_c',
  errorCode: 10017,
  errorInfo: 'the sender is muted',
  count: 1,
  suppressed: 4,
  window: undefined,
  top: undefined,
  sample: { msgType: 'TIMTextElem', text: 'hello\n  again' },
  summary: 'user_c is muted in @TGS#2ABCDEF and keeps trying to post',
});

describe('default messages', () => {
  it('lists everything an alert has, in English', () => {
    expect(alertMessage(mutedAlert, { sink: 'x', locale: 'en' })).toEqual({
      title: 'imwatch alert: muted-sender',
      text: [
        'user_c is muted in @TGS#2ABCDEF and keeps trying to post',
        'Rule: muted-sender (alert) · Category: sender muted',
        'App: 1400000000 · Group: @TGS#2ABCDEF (Public) · Sender: user_c',
        'Error: 10017 the sender is muted',
        'Count: 1',
        'Message: hello again',
        'Suppressed since the last alert: 4',
      ].join('\n'),
      markdown: expect.stringMatching(/^\*\*imwatch alert: muted-sender\*\*\n\n/),
    });
  });

  it('speaks Simplified Chinese and shows the element type of a sample without text', () => {
    const alert = { ...mutedAlert, sample: { msgType: 'TIMImageElem' } };
    expect(alertMessage(alert, { sink: 'x', locale: 'zh-CN' }).text).toBe(
      [
        'user_c is muted in @TGS#2ABCDEF and keeps trying to post',
        '规则: muted-sender (单次告警) · 类别: 发送者被禁言',
        '应用: 1400000000 · 群组: @TGS#2ABCDEF (Public) · 发送者: user_c',
        '错误: 10017 the sender is muted',
        '次数: 1',
        '消息示例: [TIMImageElem]',
        '自上次告警以来被抑制: 4',
      ].join('\n'),
    );
  });
});

describe('templates', () => {
  it('substitutes fields and never evaluates anything', () => {
    const fields = { summary: 'S', count: '3' };
    expect(
      renderTemplate(
        '{{summary}} ×{{ count }} {{missing}}{{constructor}}{{__proto__}} `{{summary}}`',
        fields,
      ),
    ).toBe('S ×3 {{__proto__}} `S`');
  });
});
