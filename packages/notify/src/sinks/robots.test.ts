import { createHmac } from 'node:crypto';
import type { Alert } from '@imwatch/queue';
import { type FakeService, sampleAlert, startFakeService } from '@imwatch/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Notice } from '../sink.js';
import { createSink } from './index.js';
import { NOW, SAMPLE_1_TEXT_EN, sinkConfig } from './test-config.test-helpers.js';

const logger = undefined as never; // robots never log
let service: FakeService;
afterEach(async () => {
  await service?.close();
});

const alertNotice = (alert: Alert): Notice => ({ kind: 'alert', id: `${alert.id}.s`, alert });
const sinkAt = (yaml: string) => createSink('s', sinkConfig(yaml), { logger });

describe('wecom group robot', () => {
  it('posts a text message with mentions to the exact webhook URL', async () => {
    service = await startFakeService();
    const sink = sinkAt(
      `{ type: wecom, webhookUrl: "${service.url}/cgi-bin/webhook/send?key=693a91f6-7xxx", mentionedMobiles: ["13800001111", "@all"] }`,
    );
    expect(await sink.send(alertNotice(sampleAlert(1)), NOW)).toEqual({
      status: 'delivered',
      detail: 'errcode 0',
    });
    expect(service.requests).toHaveLength(1);
    const [request] = service.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/cgi-bin/webhook/send?key=693a91f6-7xxx');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      msgtype: 'text',
      text: {
        content: `imwatch alert: rate-limited-group\n${SAMPLE_1_TEXT_EN}`,
        mentioned_mobile_list: ['13800001111', '@all'],
      },
    });
  });

  it('posts markdown in Chinese when configured so', async () => {
    service = await startFakeService();
    const sink = sinkAt(
      `{ type: wecom, webhookUrl: "${service.url}/send?key=k", msgType: markdown, locale: zh-CN }`,
    );
    await sink.send(alertNotice(sampleAlert(1, { sender: 'user_a' })), NOW);
    const body = JSON.parse(service.requests[0]?.body ?? '');
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.content).toBe(
      [
        '**imwatch 告警：rate-limited-group**',
        'Group @TGS#2ABCDEF hit the send-rate limit 21 times in 1 minute (alert 1)',
        '规则: rate-limited-group (阈值告警) · 类别: 发送频率超限',
        '应用: 1400000000 · 群组: @TGS#2ABCDEF (Public) · 发送者: user_a',
        '次数: 21 · 时间窗口: 2025-11-23 12:13:20 UTC – 2025-11-23 12:14:20 UTC',
        '主要发送者: user_a (12), user_b (8)',
      ].join('\n\n'),
    );
  });

  it('uses a configured template instead of the default text', async () => {
    service = await startFakeService();
    const sink = sinkAt(
      `{ type: wecom, webhookUrl: "${service.url}/send", templates: { title: "[{{category}}] {{appId}}", text: "{{summary}} / {{count}} / {{top}} / {{sink}} / {{groupId}}{{sender}}" } }`,
    );
    await sink.send(alertNotice(sampleAlert(2)), NOW);
    expect(JSON.parse(service.requests[0]?.body ?? '').text.content).toBe(
      '[rate limited] 1400000000\nGroup @TGS#2ABCDEF hit the send-rate limit 22 times in 1 minute (alert 2) / 22 / user_a (12), user_b (8) / s / @TGS#2ABCDEF',
    );
  });

  it('treats errcode 45009 in a 200 answer as retryable and 93000 as permanent', async () => {
    service = await startFakeService((_request, index) => ({
      body:
        index === 0
          ? '{"errcode":45009,"errmsg":"api freq out of limit"}'
          : '{"errcode":93000,"errmsg":"invalid webhook url"}',
    }));
    const sink = sinkAt(`{ type: wecom, webhookUrl: "${service.url}/send" }`);
    expect(await sink.send(alertNotice(sampleAlert(1)), NOW)).toEqual({
      status: 'retry',
      reason: 'wecom s error errcode 45009: api freq out of limit',
    });
    expect(await sink.send(alertNotice(sampleAlert(1)), NOW)).toEqual({
      status: 'permanent',
      reason: 'wecom s error errcode 93000: invalid webhook url',
    });
  });
});

describe('dingtalk custom robot', () => {
  it('signs the URL with timestamp and sign as DingTalk documents, and @-mentions', async () => {
    service = await startFakeService();
    const secret = 'SEC0123456789abcdef+/=';
    const sink = sinkAt(
      `{ type: dingtalk, webhookUrl: "${service.url}/robot/send?access_token=tok123", secret: "${secret}", atMobiles: ["13900002222"] }`,
    );
    expect(await sink.send(alertNotice(sampleAlert(1)), NOW)).toEqual({
      status: 'delivered',
      detail: 'errcode 0',
    });
    const request = service.requests[0];
    const url = new URL(request?.url ?? '', service.url);
    expect(url.pathname).toBe('/robot/send');
    expect([...url.searchParams.keys()]).toEqual(['access_token', 'timestamp', 'sign']);
    expect(url.searchParams.get('access_token')).toBe('tok123');
    expect(url.searchParams.get('timestamp')).toBe(String(NOW));
    // From DingTalk's docs: HmacSHA256(key = secret, data = timestamp + "\n" + secret), Base64, then URL-encoded.
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8'))
      .update(Buffer.from(`${NOW}\n${secret}`, 'utf8'))
      .digest('base64');
    expect(url.searchParams.get('sign')).toBe(expected);
    const rawSign = /[?&]sign=([^&]*)/.exec(request?.url ?? '')?.[1] ?? '';
    expect(rawSign).not.toMatch(/[+/=]/);
    expect(decodeURIComponent(rawSign)).toBe(expected);
    expect(JSON.parse(request?.body ?? '')).toEqual({
      msgtype: 'text',
      text: { content: `imwatch alert: rate-limited-group\n${SAMPLE_1_TEXT_EN}\n@13900002222` },
      at: { atMobiles: ['13900002222'], isAtAll: false },
    });
  });

  it('sends markdown with a title, and no signature without a secret', async () => {
    service = await startFakeService();
    const sink = sinkAt(
      `{ type: dingtalk, webhookUrl: "${service.url}/robot/send?access_token=t", msgType: markdown, atAll: true }`,
    );
    await sink.send(alertNotice(sampleAlert(1)), NOW);
    expect(service.requests[0]?.url).toBe('/robot/send?access_token=t');
    const body = JSON.parse(service.requests[0]?.body ?? '');
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toBe('imwatch alert: rate-limited-group');
    expect(body.markdown.text).toBe(
      `**imwatch alert: rate-limited-group**\n\n${SAMPLE_1_TEXT_EN.split('\n').join('\n\n')}`,
    );
    expect(body.at).toEqual({ atMobiles: [], isAtAll: true });
  });

  it('retries errcode 130101 (too fast) and fails 310000 (bad sign) for good', async () => {
    service = await startFakeService((_request, index) => ({
      body:
        index === 0
          ? '{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}'
          : '{"errcode":310000,"errmsg":"sign not match"}',
    }));
    const sink = sinkAt(`{ type: dingtalk, webhookUrl: "${service.url}/robot/send?access_token=t" }`);
    expect((await sink.send(alertNotice(sampleAlert(1)), NOW)).status).toBe('retry');
    expect(await sink.send(alertNotice(sampleAlert(1)), NOW)).toEqual({
      status: 'permanent',
      reason: 'dingtalk s error errcode 310000: sign not match',
    });
  });
});

describe('feishu custom bot', () => {
  it('puts timestamp (seconds) and sign in the body, signed as Feishu documents', async () => {
    service = await startFakeService(() => ({ body: '{"code":0,"msg":"success","data":{}}' }));
    const secret = 'y4mDrTqBvfGmHKkW3nH0xc';
    const sink = sinkAt(
      `{ type: feishu, webhookUrl: "${service.url}/open-apis/bot/v2/hook/abc-123", secret: ${secret} }`,
    );
    expect(await sink.send(alertNotice(sampleAlert(1)), NOW)).toEqual({
      status: 'delivered',
      detail: 'code 0',
    });
    const request = service.requests[0];
    expect(request?.url).toBe('/open-apis/bot/v2/hook/abc-123');
    const body = JSON.parse(request?.body ?? '');
    const seconds = Math.floor(NOW / 1000);
    // From Feishu's docs: string_to_sign = timestamp + "\n" + secret is the HMAC-SHA256 *key*,
    // the message is empty, the digest is Base64-encoded.
    const expected = createHmac('sha256', `${seconds}\n${secret}`).update(Buffer.alloc(0)).digest('base64');
    expect(body).toEqual({
      timestamp: String(seconds),
      sign: expected,
      msg_type: 'text',
      content: { text: `imwatch alert: rate-limited-group\n${SAMPLE_1_TEXT_EN}` },
    });
  });

  it('reads the bot error code of a 400 answer: 11232 retries, 19021 does not', async () => {
    service = await startFakeService((_request, index) => ({
      status: 400,
      body:
        index === 0 ? '{"code":11232,"msg":"frequency limited"}' : '{"code":19021,"msg":"sign match fail"}',
    }));
    const sink = sinkAt(`{ type: feishu, webhookUrl: "${service.url}/hook" }`);
    expect((await sink.send(alertNotice(sampleAlert(1)), NOW)).status).toBe('retry');
    expect(await sink.send(alertNotice(sampleAlert(1)), NOW)).toEqual({
      status: 'permanent',
      reason: 'feishu s error code 19021: sign match fail',
    });
  });

  it('fails a 200 answer with a non-zero code', async () => {
    service = await startFakeService(() => ({ body: '{"code":19024,"msg":"Key Words Not Found"}' }));
    const sink = sinkAt(`{ type: feishu, webhookUrl: "${service.url}/hook" }`);
    expect((await sink.send(alertNotice(sampleAlert(1)), NOW)).status).toBe('permanent');
  });
});

describe('slack incoming webhook', () => {
  it('posts {"text"} with the title in bold and mrkdwn control characters escaped', async () => {
    service = await startFakeService(() => ({ body: 'ok', headers: { 'content-type': 'text/plain' } }));
    const sink = sinkAt(`{ type: slack, webhookUrl: "${service.url}/services/T000/B000/XXXX" }`);
    const alert = sampleAlert(1, { summary: 'a <b> & c' });
    expect(await sink.send(alertNotice(alert), NOW)).toEqual({ status: 'delivered', detail: 'HTTP 200' });
    expect(service.requests[0]?.url).toBe('/services/T000/B000/XXXX');
    expect(JSON.parse(service.requests[0]?.body ?? '')).toEqual({
      text: `*imwatch alert: rate-limited-group*\n${SAMPLE_1_TEXT_EN.replace(
        'Group @TGS#2ABCDEF hit the send-rate limit 21 times in 1 minute (alert 1)',
        'a &lt;b&gt; &amp; c',
      )}`,
    });
  });
});

describe('digest messages', () => {
  it('sends one message with the count, counts by rule and a bounded list', async () => {
    service = await startFakeService();
    const sink = sinkAt(`{ type: wecom, webhookUrl: "${service.url}/send", digest: { maxLines: 2 } }`);
    const entries = [1, 2, 3].map((n) => {
      const alert = sampleAlert(n, n === 3 ? { rule: 'muted-sender' } : {});
      return {
        id: alert.id,
        rule: alert.rule,
        category: alert.category,
        appId: alert.appId,
        summary: alert.summary,
        lastEventTime: 1,
      };
    });
    await sink.send({ kind: 'digest', id: 'digest.s.0', entries, total: 12 }, NOW);
    expect(JSON.parse(service.requests[0]?.body ?? '').text.content).toBe(
      [
        'imwatch: 12 more alerts',
        '12 more alerts (held back by the rate limit):',
        'By rule: rate-limited-group ×2, muted-sender ×1',
        '• Group @TGS#2ABCDEF hit the send-rate limit 21 times in 1 minute (alert 1)',
        '• Group @TGS#2ABCDEF hit the send-rate limit 22 times in 1 minute (alert 2)',
        '… and 10 more not listed',
      ].join('\n'),
    );
  });
});
