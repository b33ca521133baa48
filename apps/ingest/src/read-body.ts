import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/** What @hono/node-server passes as `c.env`: the Node request behind the Web one. */
interface NodeBindings {
  incoming?: IncomingMessage;
}

/**
 * Reads the request body as text, or `undefined` when it is larger than `maxBytes`.
 *
 * Why not `hono/body-limit`: it touches `c.req.raw.body`, which makes @hono/node-server build a
 * full Web Request (Headers, AbortController, ReadableStream over the socket) for every call;
 * profiling showed that at ~20% of the ingest's CPU. With a Content-Length (what Tencent sends),
 * the size is checked from the Node headers and `c.req.text()` reads the socket directly; Node's
 * parser never delivers more than the declared length. Only a chunked body goes through the
 * stream, counted as it arrives.
 */
export function readBody(c: Context, maxBytes: number): Promise<string | undefined> {
  const nodeHeaders = (c.env as NodeBindings | undefined)?.incoming?.headers;
  const declared = nodeHeaders ? nodeHeaders['content-length'] : c.req.header('content-length');
  const chunked = nodeHeaders
    ? nodeHeaders['transfer-encoding'] !== undefined
    : c.req.header('transfer-encoding') !== undefined;
  // Not async: an async function that returns a promise settles two microtask turns later.
  if (declared !== undefined && !chunked) {
    if (Number(declared) > maxBytes) return Promise.resolve(undefined);
    return c.req.text();
  }
  return readCapped(c.req.raw.body, maxBytes);
}

async function readCapped(stream: ReadableStream<Uint8Array> | null, maxBytes: number) {
  if (!stream) return '';
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
