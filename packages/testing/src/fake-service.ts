import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake service received it. */
export interface ReceivedRequest {
  method: string;
  /** Path and query, exactly as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer (to provoke a client timeout). */
  hang?: boolean;
}

/**
 * A real HTTP server on 127.0.0.1 standing in for WeCom, DingTalk, Feishu, Slack or a webhook
 * receiver. `answer` decides each reply from the request and its 0-based number.
 */
export async function startFakeService(
  answer: (request: ReceivedRequest, index: number) => Answer = () => ({}),
) {
  const requests: ReceivedRequest[] = [];
  let decide = answer;
  const hanging = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      const reply = decide(request, requests.length - 1);
      if (reply.hang) {
        const release = () => res.destroy();
        hanging.add(release);
        return;
      }
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? '{"errcode":0,"errmsg":"ok","code":0,"msg":"success"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** Changes how later requests are answered. */
    answerWith(next: (request: ReceivedRequest, index: number) => Answer) {
      decide = next;
    },
    async close() {
      for (const release of hanging) release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeService = Awaited<ReturnType<typeof startFakeService>>;
