import { type FakeService, startFakeService } from '@imwatch/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createSink } from './sinks/index.js';
import { NOW, sinkConfig } from './sinks/test-config.test-helpers.js';
import { sendTestNotification } from './test-notice.js';

let service: FakeService;
afterEach(async () => {
  await service?.close();
});

describe('test notification', () => {
  it("reaches the sink and reports the service's answer", async () => {
    service = await startFakeService((_request, index) => ({
      body:
        index === 0 ? '{"errcode":0,"errmsg":"ok"}' : '{"errcode":310000,"errmsg":"keywords not in content"}',
    }));
    const sink = createSink(
      'ding',
      sinkConfig(`{ type: dingtalk, webhookUrl: "${service.url}/robot/send?access_token=t" }`),
      {
        logger: undefined as never,
      },
    );
    expect(await sendTestNotification(sink, NOW)).toEqual({ status: 'delivered', detail: 'errcode 0' });
    expect(JSON.parse(service.requests[0]?.body ?? '').text.content).toContain(
      'imwatch test notification: this sink works',
    );
    expect(await sendTestNotification(sink, NOW)).toEqual({
      status: 'permanent',
      reason: 'dingtalk ding error errcode 310000: keywords not in content',
    });
  });
});
