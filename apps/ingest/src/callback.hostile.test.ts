import type { Server } from 'node:http';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { serve } from '@hono/node-server';
import { computeSign } from '@imwatch/protocol';
import { createLogger } from '@imwatch/runtime';
import { SAMPLE_APP_ID, sampleBody, sampleQuery } from '@imwatch/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientErrors, closeHttpServer, httpServerOptions } from './http-server.js';
import { createTestIngest, SIGNED_APP_ID, type TestIngest } from './ingest.test-helpers.js';

// A token no log line, error message or rejection record may ever contain.
const TOKEN = 'tok-3f9a1c7e5b2d4806-do-not-log';
const MAX_BODY = 65536;
const COMMAND = 'Group.CallbackSendMsgException';
const seed = sampleBody('send-msg-exception.seed') as Record<string, unknown>;

const logLines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});

let ingest: TestIngest;
let server: Server;
let port: number;

beforeAll(async () => {
  const yaml = [
    'apps:',
    `  - sdkAppId: ${SAMPLE_APP_ID}`,
    `  - sdkAppId: ${SIGNED_APP_ID}`,
    `    callbackToken: ${TOKEN}`,
    'ingest:',
    `  maxBodyBytes: ${MAX_BODY}`,
    '  requestTimeoutMs: 1000',
  ].join('\n');
  ingest = await createTestIngest({ yaml, logger: createLogger('hostile', 'debug', capture) });
  // The same server set-up as main.ts, on a free loopback port.
  server = await new Promise<Server>((resolve) => {
    const s = serve(
      {
        fetch: ingest.app.fetch,
        port: 0,
        hostname: '127.0.0.1',
        serverOptions: httpServerOptions(ingest.config),
      },
      () => resolve(s as Server),
    ) as Server;
  });
  answerClientErrors(server, createLogger('hostile', 'silent'));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});

afterAll(async () => {
  await closeHttpServer(server, 1000);
  await ingest.close();
});

const envelope = { ActionStatus: 'FAIL', ErrorCode: expect.any(Number), ErrorInfo: expect.any(String) };

/** Every refusal: a 4xx status and the protocol's FAIL envelope with a non-zero code. */
async function expectRefused(res: Response, status?: number) {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  if (status) expect(res.status).toBe(status);
  const body = (await res.json()) as { ErrorCode: number };
  expect(body).toEqual(envelope);
  expect(body.ErrorCode).not.toBe(0);
}

const wide = (keys: number) => {
  const body: Record<string, unknown> = { CallbackCommand: 'Custom.Wide' };
  for (let i = 0; i < keys; i++) body[`k${i}`] = i;
  return body;
};

const nested = (depth: number, open: string, close: string, inner = '1') =>
  `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

describe('hostile bodies', () => {
  const query = sampleQuery(COMMAND);
  const corpus: [string, string | Uint8Array, number?][] = [
    ['empty body', '', 400],
    ['invalid JSON', '{not json', 400],
    ['truncated JSON', JSON.stringify(seed).slice(0, 50), 400],
    ['JSON null', 'null', 400],
    ['JSON array', '[1,2,3]', 400],
    ['JSON string', '"Group.CallbackSendMsgException"', 400],
    ['JSON number', '1e309', 400],
    ['UTF-16 bytes', new Uint8Array(Buffer.from(JSON.stringify(seed), 'utf16le')), 400],
    ['gzip magic and garbage', new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xfe]), 400],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xc3, 0x28, 0xa0, 0xa1, 0x7d]), 400],
    ['arrays nested 10,000 deep', nested(10_000, '[', ']'), 400],
    ['objects nested 10,000 deep', nested(10_000, '{"a":', '}'), 400],
    [
      'a 10,000 deep MsgBody',
      JSON.stringify({ ...seed, MsgBody: 'X' }).replace('"X"', nested(10_000, '[', ']')),
      400,
    ],
    ['GroupId as a number', JSON.stringify({ ...seed, GroupId: 12345 }), 400],
    ['ErrorCode as a string', JSON.stringify({ ...seed, ErrorCode: 'ten' }), 400],
    ['MsgBody as an object', JSON.stringify({ ...seed, MsgBody: { MsgType: 'TIMTextElem' } }), 400],
    ['CallbackCommand as an object', JSON.stringify({ ...seed, CallbackCommand: { $ne: 1 } }), 400],
    [
      'a huge array just under the limit',
      JSON.stringify({ ...seed, MsgBody: new Array(30_000).fill(0) }),
      400,
    ],
    ['a body over the limit', JSON.stringify({ ...seed, Pad: 'x'.repeat(MAX_BODY) }), 413],
  ];

  for (const [name, body, status] of corpus) {
    it(`refuses ${name} with a 4xx envelope`, async () => {
      await expectRefused(await ingest.post(query, body as string), status);
    });
  }

  // Not refused by design, but must never crash the ingest or answer 5xx.
  const tolerated: [string, string, string][] = [
    ['a UTF-8 byte-order mark (decoding strips it)', COMMAND, `\ufeff${JSON.stringify(seed)}`],
    [
      'a GroupId up to the body limit',
      COMMAND,
      JSON.stringify({ ...seed, GroupId: 'g'.repeat(MAX_BODY - 600) }),
    ],
    [
      'an unknown command nested 10,000 deep',
      'Custom.Deep',
      `{"CallbackCommand":"Custom.Deep","a":${nested(10_000, '{"a":', '}')}}`,
    ],
    ['an unknown command with 20,000 keys', 'Custom.Wide', JSON.stringify(wide(20_000))],
  ];
  for (const [name, command, body] of tolerated) {
    it(`survives ${name}`, async () => {
      const res = await ingest.post(sampleQuery(command), body);
      expect(res.status).toBeLessThan(500);
      if (res.status >= 400) expect(await res.json()).toEqual(envelope);
      expect((await ingest.app.request('/healthz')).status).toBe(200);
    });
  }

  it('never lets __proto__ or constructor keys reach Object.prototype', async () => {
    const text = `{"CallbackCommand":"Custom.Polluter","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"a":{"__proto__":{"polluted":3}}}`;
    const res = await ingest.post(sampleQuery('Custom.Polluter'), text);
    expect(res.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await ingest.moved();
    const jobs = await ingest.queue.getJobs(['waiting']);
    const job = jobs.find((j) => j.name === 'Custom.Polluter');
    expect(Object.keys(job?.data.body ?? {})).toEqual(['CallbackCommand', '__proto__', 'constructor', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('accepts odd content types as long as the body is the JSON Tencent sends', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=gbk',
      '',
    ]) {
      const res = await ingest.post(query, JSON.stringify({ ...seed, Random: type.length }), {
        'content-type': type,
      });
      expect(res.status, type).toBe(200);
    }
  });

  it('refuses hostile query strings', async () => {
    const bad = [
      'SdkAppid=%ZZ%E0%A4%A&CallbackCommand=Group.CallbackSendMsgException',
      `SdkAppid=${'9'.repeat(5000)}`,
      'SdkAppid=1400000000abc',
      'SdkAppid[]=1400000000',
      `SdkAppid=${SIGNED_APP_ID}&Sign=${'z'.repeat(64)}&RequestTime=${Math.floor(Date.now() / 1000)}`,
      `SdkAppid=${SIGNED_APP_ID}&Sign=${'a'.repeat(64)}&RequestTime=99999999999999999999`,
      `SdkAppid=${SIGNED_APP_ID}&Sign=${'a'.repeat(100_000)}&RequestTime=1`,
    ];
    for (const q of bad) await expectRefused(await ingest.post(q, JSON.stringify(seed)));
  });
});

describe('hostile connections against a listening server', () => {
  /** Writes raw bytes to the server and returns everything it answers before closing. */
  function raw(send: (socket: ReturnType<typeof connect>) => void): Promise<string> {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      socket.on('data', (data) => {
        answer += data.toString();
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve(answer));
      socket.on('connect', () => send(socket));
    });
  }

  const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

  it('answers 431 with the envelope to a URL longer than the header limit', async () => {
    const answer = await raw((s) =>
      s.write(
        `POST /callback?SdkAppid=${SAMPLE_APP_ID}&x=${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      ),
    );
    expect(answer).toMatch(/^HTTP\/1.1 431 /);
    expect(bodyOf(answer)).toEqual({ ...envelope, ErrorCode: 4310 });
  });

  it('answers 431 to headers larger than the limit', async () => {
    const answer = await raw((s) =>
      s.write(`POST /callback HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(64 * 1024)}\r\n\r\n`),
    );
    expect(answer).toMatch(/^HTTP\/1.1 431 /);
  });

  it('answers 400 with the envelope to a request that is not HTTP', async () => {
    const answer = await raw((s) => s.write('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n'));
    expect(answer).toMatch(/^HTTP\/1.1 400 /);
    expect(bodyOf(answer)).toEqual({ ...envelope, ErrorCode: 4000 });
  });

  it('cuts off a slow-loris client that never finishes its headers', async () => {
    let timer: NodeJS.Timeout | undefined;
    const answer = await raw((s) => {
      s.write('POST /callback HTTP/1.1\r\nHost: x\r\n');
      timer = setInterval(() => s.writable && s.write('X-Drip: 1\r\n'), 200);
    });
    clearInterval(timer);
    expect(answer).toMatch(/^HTTP\/1.1 408 /);
    expect(bodyOf(answer)).toEqual({ ...envelope, ErrorCode: 4080 });
  });

  it('cuts off a client that sends its body a byte at a time, and stays up', async () => {
    let timer: NodeJS.Timeout | undefined;
    const body = JSON.stringify(seed);
    const answer = await raw((s) => {
      s.write(
        `POST /callback?${sampleQuery(COMMAND)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      let sent = 0;
      timer = setInterval(() => s.writable && sent < body.length && s.write(body[sent++] as string), 200);
    });
    clearInterval(timer);
    expect(answer).not.toMatch(/^HTTP\/1.1 (2|5)/);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
  });

  it('refuses a 50 MB streamed body with 413 without buffering it', async () => {
    const rssBefore = process.memoryUsage().rss;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, method: 'POST', path: `/callback?${sampleQuery(COMMAND)}` },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 50 && req.write(chunk)) sent++;
        if (sent >= 50) req.end();
        else req.once('drain', pump);
      };
      req.on('close', () => req.destroy());
      pump();
    }).catch(() => 413); // the server may close the socket mid-upload after answering
    expect(status).toBe(413);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(40 * 1024 * 1024);
  });
});

describe('secrets', () => {
  it('never appear in logs, answers or rejection records', async () => {
    const time = String(Math.floor(Date.now() / 1000));
    ingest.clock.now = Date.now();
    const good = await ingest.post(
      `${sampleQuery(COMMAND).replace(`SdkAppid=${SAMPLE_APP_ID}`, `SdkAppid=${SIGNED_APP_ID}`)}&Sign=${computeSign(TOKEN, time)}&RequestTime=${time}`,
      JSON.stringify({ ...seed, Random: 424242 }),
    );
    expect(good.status).toBe(200);
    const answers: string[] = [];
    for (const sign of ['0'.repeat(64), TOKEN, computeSign(TOKEN, '1')]) {
      const res = await ingest.post(`SdkAppid=${SIGNED_APP_ID}&Sign=${sign}&RequestTime=${time}`, '{}');
      expect(res.status).toBe(401);
      answers.push(await res.text());
    }
    const records = JSON.stringify(await ingest.rejections());
    const everything = [...logLines, ...answers, records].join('\n');
    expect(logLines.length).toBeGreaterThan(0);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(computeSign(TOKEN, time));
  });
});
