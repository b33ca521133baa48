import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { sampleBody, sampleQuery, sampleText } from '@imwatch/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestIngest, type TestIngest } from './ingest.test-helpers.js';

// The route reads bodies differently behind a real Node socket (Content-Length checked from the
// Node headers, body read directly) than under `app.request`; these tests cover that path.

const COMMAND = 'Group.CallbackSendMsgException';
let ingest: TestIngest;
let base: string;
let close: () => Promise<void>;

beforeEach(async () => {
  ingest = await createTestIngest();
  const server = serve({ fetch: ingest.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise<void>((resolve) => server.close(() => resolve()));
});
afterEach(async () => {
  await close();
  await ingest.close();
});

/** Posts with `Transfer-Encoding: chunked` (no Content-Length), in two chunks. */
function postChunked(path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.write(body.slice(0, 10));
    req.end(body.slice(10));
  });
}

describe('POST /callback over a real socket', () => {
  it('acks a callback sent with Content-Length and stores it once', async () => {
    const url = `${base}${ingest.config.ingest.path}?${sampleQuery(COMMAND)}`;
    const text = sampleText('send-msg-exception.seed');
    const first = await fetch(url, { method: 'POST', body: text });
    expect(first.status).toBe(200);
    expect(await first.text()).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}');
    expect((await fetch(url, { method: 'POST', body: text })).status).toBe(200);
    await ingest.moved();
    const jobs = await ingest.queue.getJobs(['waiting']);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.data.body).toEqual(sampleBody('send-msg-exception.seed'));
  });

  it('refuses a declared Content-Length over the limit with 413 and records it', async () => {
    const big = JSON.stringify({
      ...sampleBody('send-msg-exception.seed'),
      Padding: 'x'.repeat(ingest.config.ingest.maxBodyBytes),
    });
    const res = await fetch(`${base}${ingest.config.ingest.path}?${sampleQuery(COMMAND)}`, {
      method: 'POST',
      body: big,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { ActionStatus: string }).ActionStatus).toBe('FAIL');
    await ingest.moved();
    expect(await ingest.queue.count()).toBe(0);
    expect((await ingest.rejections()).map((r) => r.reason)).toEqual(['BODY_TOO_LARGE']);
  });

  it('accepts a chunked body under the limit and refuses one over it', async () => {
    const path = `${ingest.config.ingest.path}?${sampleQuery(COMMAND)}`;
    const small = await postChunked(path, sampleText('send-msg-exception.muted'));
    expect(small.status).toBe(200);
    const big = await postChunked(
      path,
      JSON.stringify({ ...sampleBody('send-msg-exception.seed'), Padding: 'y'.repeat(5000) }),
    );
    expect(big.status).toBe(413);
    await ingest.moved();
    expect(await ingest.queue.count()).toBe(1);
    expect((await ingest.rejections()).map((r) => r.reason)).toEqual(['BODY_TOO_LARGE']);
  });
});
