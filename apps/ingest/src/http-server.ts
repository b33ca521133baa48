import { type Server, type ServerOptions, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from '@imwatch/config';
import { failEnvelope } from '@imwatch/protocol';
import type { Logger } from '@imwatch/runtime';

/**
 * Node HTTP server limits for a public endpoint: a client has `requestTimeout` for headers and
 * body together (slow-loris senders are cut off), checked every second rather than Node's 30 s.
 */
export function httpServerOptions(config: Config): ServerOptions {
  const { requestTimeoutMs } = config.ingest;
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(requestTimeoutMs, 10_000),
    connectionsCheckingInterval: 1000,
    keepAliveTimeout: 5000,
    // Node's default 16 KiB header limit stays: longer URLs and headers get 431.
  };
}

const CLIENT_ERRORS: Record<string, { status: number; code: number; info: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, code: 4310, info: 'request line or headers too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 4080, info: 'request took too long' },
};

/**
 * Answers requests Node refuses before Hono sees them (malformed, headers too large, too slow)
 * with the protocol's FAIL envelope instead of a bare status line, then closes the socket.
 */
export function answerClientErrors(server: Server, logger: Logger): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const known = CLIENT_ERRORS[error.code ?? ''] ?? {
      status: 400,
      code: 4000,
      info: 'malformed HTTP request',
    };
    logger.debug({ code: error.code, status: known.status }, 'client error');
    if (!socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify(failEnvelope(known.code, known.info));
    socket.end(
      `HTTP/1.1 ${known.status} ${STATUS_CODES[known.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

/**
 * Stops accepting connections, lets requests in flight finish (closing each keep-alive connection
 * as soon as it is idle), and cuts whatever is still open after `graceMs`.
 */
export function closeHttpServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
