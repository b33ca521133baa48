import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runLoad } from './http-bench.js';

// A real HTTP server on loopback that keeps every Random it was sent.
let server: Server;
let url: string;
const randoms: number[] = [];
beforeEach(async () => {
  randoms.length = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      randoms.push((JSON.parse(body) as { Random: number }).Random);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ActionStatus":"OK"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const bodyTemplate = '{"CallbackCommand":"Group.CallbackSendMsgException","Random":<RANDOM>}';

describe('the load generator', () => {
  it('paces warm-up and measured part as one schedule and counts only the measured requests', async () => {
    let seenAtMarker = -1;
    const result = await runLoad(
      { url, connections: 10, rate: 200, warmupSeconds: 0.5, duration: 1, bodyTemplate, firstRandom: 1000 },
      async () => {
        seenAtMarker = randoms.length;
      },
    );
    // 0.5 s + 1 s at 200 req/s were sent; only the second's 200 are measured.
    expect(randoms).toHaveLength(300);
    expect(result.requests).toBe(200);
    expect(result.seconds).toBeGreaterThanOrEqual(0.99);
    expect(result.seconds).toBeLessThan(1.5);
    // The marker comes when the warm-up's 100 are out (give or take a busy machine), not at either end.
    expect(seenAtMarker).toBeGreaterThan(40);
    expect(seenAtMarker).toBeLessThanOrEqual(160);
    // Every request carried its own Random, from firstRandom on.
    expect(new Set(randoms).size).toBe(300);
    expect(Math.min(...randoms)).toBe(1000);
    expect(result.non2xx + result.errors).toBe(0);
  });

  it('flat out: warms up in the same process, then measures a run of its own', async () => {
    let seenAtMarker = -1;
    const result = await runLoad(
      { url, connections: 5, warmupSeconds: 0.3, duration: 0.5, bodyTemplate, firstRandom: 1 },
      async () => {
        seenAtMarker = randoms.length;
      },
    );
    expect(seenAtMarker).toBeGreaterThan(0);
    expect(result.requests).toBeGreaterThan(0);
    // The measured figures leave out what the warm-up sent (up to the requests still in flight).
    expect(result.requests).toBeLessThanOrEqual(randoms.length - seenAtMarker + 5);
    expect(new Set(randoms).size).toBe(randoms.length);
  });

  it('without a warm-up it measures from the first request', async () => {
    const result = await runLoad(
      { url, connections: 4, rate: 100, duration: 0.5, bodyTemplate, firstRandom: 7 },
      async () => {},
    );
    expect(result.requests).toBe(50);
    expect(randoms).toHaveLength(50);
  });
});
