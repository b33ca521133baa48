import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpoolFullError, SpoolLockedError } from './errors.js';
import { Spool } from './spool.js';

interface Rec {
  id: number;
  text: string;
}

let dir: string;
const open = (options: { maxBytes?: number; segmentBytes?: number } = {}) =>
  Spool.open<Rec>({ dir, maxBytes: options.maxBytes ?? 10_000_000, segmentBytes: options.segmentBytes });
const rec = (id: number): Rec => ({ id, text: `callback ${id} ${'x'.repeat(id % 50)}` });
/** Bytes one record takes on disk, computed independently of the spool: 8-byte header + JSON. */
const frameBytes = (value: Rec) => 8 + Buffer.byteLength(JSON.stringify(value));
const segmentFiles = () =>
  readdirSync(dir)
    .filter((name) => /^seg-\d+\.log$/.test(name))
    .sort();

async function drainIds(spool: Spool<Rec>): Promise<number[]> {
  return (await spool.peek(1_000_000)).map((entry) => entry.value.id);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'imwatch-spool-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('Spool', () => {
  it('keeps appended records across a restart, oldest first', async () => {
    const spool = await open();
    for (let id = 1; id <= 20; id++) await spool.append(rec(id));
    expect(spool.depth).toBe(20);
    await spool.close();

    const reopened = await open();
    expect(reopened.depth).toBe(20);
    expect(reopened.recovery).toEqual({ records: 20, tornBytes: 0, quarantined: [] });
    expect(await drainIds(reopened)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await reopened.peek(1))[0]?.value).toEqual(rec(1));
    await reopened.close();
  });

  it('commits concurrent appends with one fsync, each resolving only once durable', async () => {
    const spool = await open();
    const ids = Array.from({ length: 1000 }, (_, i) => i);
    await Promise.all(ids.map((id) => spool.append(rec(id))));
    expect(spool.flushes).toBeLessThan(10);
    expect(spool.bytes).toBe(ids.reduce((sum, id) => sum + frameBytes(rec(id)), 0));
    // No close(): a crash right now must still find every resolved append on disk.
    const files = segmentFiles().map((name) => statSync(join(dir, name)).size);
    expect(files.reduce((a, b) => a + b, 0)).toBe(spool.bytes);
    await spool.close();
    const reopened = await open();
    expect(new Set(await drainIds(reopened))).toEqual(new Set(ids));
    await reopened.close();
  });

  it('cuts a torn tail record on reopen and keeps appending after the last whole one', async () => {
    const spool = await open();
    for (let id = 1; id <= 3; id++) await spool.append(rec(id));
    await spool.close();
    // A crash in the middle of writing a fourth record: its header and half its payload.
    const [segment] = segmentFiles();
    const torn = Buffer.alloc(8 + 40, 7);
    torn.writeUInt32BE(500, 0);
    await appendFile(join(dir, segment as string), torn);

    const reopened = await open();
    expect(reopened.recovery).toEqual({ records: 3, tornBytes: torn.length, quarantined: [] });
    await reopened.append(rec(4));
    expect(await drainIds(reopened)).toEqual([1, 2, 3, 4]);
    await reopened.close();
    const again = await open();
    expect(await drainIds(again)).toEqual([1, 2, 3, 4]);
    await again.close();
  });

  it('quarantines the rest of a segment when a record fails its CRC', async () => {
    const spool = await open();
    for (let id = 1; id <= 5; id++) await spool.append(rec(id));
    await spool.close();
    const path = join(dir, segmentFiles()[0] as string);
    const original = readFileSync(path);
    const thirdStart = frameBytes(rec(1)) + frameBytes(rec(2));
    const damaged = Buffer.from(original);
    damaged.writeUInt8(damaged.readUInt8(thirdStart + 11) ^ 0xff, thirdStart + 11); // inside record 3's JSON
    writeFileSync(path, damaged);

    const reopened = await open();
    expect(reopened.recovery.records).toBe(2);
    expect(reopened.recovery.quarantined).toEqual([`${path}.corrupt-${thirdStart}`]);
    expect(readFileSync(`${path}.corrupt-${thirdStart}`)).toEqual(damaged);
    expect(await drainIds(reopened)).toEqual([1, 2]);
    await reopened.close();
  });

  it('rejects appends beyond maxBytes with SpoolFullError and accepts again once acknowledged', async () => {
    const records = Array.from({ length: 10 }, (_, i) => rec(i));
    const maxBytes = records.slice(0, 7).reduce((sum, r) => sum + frameBytes(r), 0);
    const spool = await open({ maxBytes });
    const outcomes = await Promise.allSettled(records.map((r) => spool.append(r)));
    const stored = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
    expect(stored).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const outcome of outcomes.slice(7)) {
      expect(outcome.status === 'rejected' && outcome.reason).toBeInstanceOf(SpoolFullError);
    }
    expect(spool.bytes).toBe(maxBytes);

    const entries = await spool.peek(100);
    await spool.ack(entries.at(-1) as (typeof entries)[number]);
    expect(spool.depth).toBe(0);
    expect(spool.bytes).toBe(0);
    await spool.append(rec(42));
    expect(await drainIds(spool)).toEqual([42]);
    await spool.close();
  });

  it('replays unacknowledged records after a restart and deletes acknowledged segments', async () => {
    const spool = await open({ segmentBytes: 500 });
    for (let id = 1; id <= 100; id++) await spool.append(rec(id));
    const segmentsBefore = segmentFiles().length;
    expect(segmentsBefore).toBeGreaterThan(5);

    const first = await spool.peek(30);
    expect(first.map((e) => e.value.id)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    await spool.ack(first.at(-1) as (typeof first)[number]);
    expect(spool.depth).toBe(70);
    expect(segmentFiles().length).toBeLessThan(segmentsBefore);
    // Read but not acknowledged: must come back after a restart.
    await spool.peek(10);
    await spool.close();

    const reopened = await open({ segmentBytes: 500 });
    expect(reopened.depth).toBe(70);
    expect(await drainIds(reopened)).toEqual(Array.from({ length: 70 }, (_, i) => i + 31));
    const rest = await reopened.peek(1000);
    await reopened.ack(rest.at(-1) as (typeof rest)[number]);
    expect(reopened.depth).toBe(0);
    expect(segmentFiles()).toHaveLength(1);
    await reopened.close();
    const empty = await open({ segmentBytes: 500 });
    expect(empty.depth).toBe(0);
    expect(await empty.peek(10)).toEqual([]);
    await empty.close();
  });

  it('keeps appending while the replayer acknowledges, losing and repeating nothing', async () => {
    const spool = await open({ segmentBytes: 2000 });
    const seen: number[] = [];
    let writing = true;
    const writer = (async () => {
      for (let batch = 0; batch < 20; batch++) {
        await Promise.all(Array.from({ length: 25 }, (_, i) => spool.append(rec(batch * 25 + i))));
      }
      writing = false;
    })();
    while (writing || spool.depth > 0) {
      const entries = await spool.peek(40);
      if (entries.length === 0) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      seen.push(...entries.map((e) => e.value.id));
      await spool.ack(entries.at(-1) as (typeof entries)[number]);
    }
    await writer;
    expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => i));
    await spool.close();
  });

  it('refuses a directory another live process holds, and takes over a dead one', async () => {
    writeFileSync(join(dir, 'spool.lock'), String(process.ppid));
    await expect(open()).rejects.toBeInstanceOf(SpoolLockedError);
    writeFileSync(join(dir, 'spool.lock'), '2147483646'); // no such process
    const spool = await open();
    await spool.append(rec(1));
    await spool.close();
    expect(readdirSync(dir)).not.toContain('spool.lock');
  });
});
