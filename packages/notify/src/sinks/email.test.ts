import type { AddressInfo } from 'node:net';
import { sampleAlert } from '@imwatch/testing';
import { SMTPServer, type SMTPServerAuthentication } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import type { Sink } from '../sink.js';
import { createSink } from './index.js';
import { NOW, SAMPLE_1_TEXT_EN, sinkConfig } from './test-config.test-helpers.js';

interface Received {
  from: string | undefined;
  to: string[];
  raw: string;
  user: string | undefined;
}

let server: SMTPServer | undefined;
let sink: Sink | undefined;
afterEach(async () => {
  await sink?.close?.();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A real SMTP server on loopback; `reject` answers the DATA step with an SMTP error code. */
async function startSmtp(reject?: { responseCode: number; message: string }) {
  const received: Received[] = [];
  server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onAuth(auth: SMTPServerAuthentication, _session, callback) {
      if (auth.username === 'imwatch' && auth.password === 'pw') callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (reject) {
          callback(Object.assign(new Error(reject.message), { responseCode: reject.responseCode }));
          return;
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: session.user,
        });
        callback();
      });
    },
  });
  const active = server;
  await new Promise<void>((resolve) => active.listen(0, '127.0.0.1', resolve));
  const { port } = active.server.address() as AddressInfo;
  return { port, received };
}

/** Undoes quoted-printable soft line breaks and escapes, enough to read the text part. */
const unQuotedPrintable = (text: string) =>
  Buffer.from(
    text
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');

describe('email sink', () => {
  it('sends text and HTML to every recipient, logging in when auth is set', async () => {
    const { port, received } = await startSmtp();
    sink = createSink(
      's',
      sinkConfig(
        `{ type: email, host: 127.0.0.1, port: ${port}, secure: false, auth: { user: imwatch, pass: pw }, from: "imwatch <alerts@example.com>", to: [ops@example.com, oncall@example.com] }`,
      ),
      { logger: undefined as never },
    );
    const outcome = await sink.send({ kind: 'alert', id: 'al-000001.s', alert: sampleAlert(1) }, NOW);
    expect(outcome.status).toBe('delivered');
    expect(received).toHaveLength(1);
    const [mail] = received;
    expect(mail?.user).toBe('imwatch');
    expect(mail?.from).toBe('alerts@example.com');
    expect(mail?.to).toEqual(['ops@example.com', 'oncall@example.com']);
    const raw = mail?.raw ?? '';
    expect(raw).toMatch(/^Subject: imwatch alert: rate-limited-group\r?$/m);
    expect(raw).toMatch(/^X-Imwatch-Id: al-000001\.s\r?$/im);
    expect(raw).toContain('Content-Type: text/plain; charset=utf-8');
    expect(raw).toContain('Content-Type: text/html; charset=utf-8');
    const decoded = unQuotedPrintable(raw).replace(/\r\n/g, '\n');
    expect(decoded).toContain(SAMPLE_1_TEXT_EN);
    expect(decoded).toContain('<h3>imwatch alert: rate-limited-group</h3>');
  });

  it('fails permanently on a 5xx reply and a bad login, retries a 4xx reply', async () => {
    const { port } = await startSmtp({ responseCode: 550, message: 'mailbox unavailable' });
    const at = (extra: string) =>
      createSink(
        's',
        sinkConfig(
          `{ type: email, smtpUrl: "smtp://127.0.0.1:${port}", from: a@example.com, to: [b@example.com]${extra} }`,
        ),
        {
          logger: undefined as never,
        },
      );
    sink = at('');
    const notice = { kind: 'alert' as const, id: 'al-000001.s', alert: sampleAlert(1) };
    expect(await sink.send(notice, NOW)).toMatchObject({
      status: 'permanent',
      reason: expect.stringContaining('550'),
    });
    await sink.close?.();
    sink = createSink(
      's',
      sinkConfig(
        `{ type: email, smtpUrl: "smtp://imwatch:wrong@127.0.0.1:${port}", from: a@example.com, to: [b@example.com] }`,
      ),
      { logger: undefined as never },
    );
    expect(await sink.send(notice, NOW)).toMatchObject({
      status: 'permanent',
      reason: expect.stringContaining('EAUTH'),
    });
    await sink.close?.();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    const busy = await startSmtp({ responseCode: 451, message: 'try again later' });
    sink = createSink(
      's',
      sinkConfig(
        `{ type: email, smtpUrl: "smtp://127.0.0.1:${busy.port}", from: a@example.com, to: [b@example.com] }`,
      ),
      { logger: undefined as never },
    );
    expect(await sink.send(notice, NOW)).toMatchObject({
      status: 'retry',
      reason: expect.stringContaining('451'),
    });
  });
});
