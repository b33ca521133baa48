import { type FileHandle, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SpoolLockedError } from './errors.js';

/** Segment files are `seg-<seq, 12 digits>.log`, so their names sort in write order. */
const SEGMENT = /^seg-(\d{12})\.log$/;

export const segmentName = (seq: number) => `seg-${String(seq).padStart(12, '0')}.log`;

/** Sequence numbers of the segment files in `dir`, oldest first. */
export async function listSegments(dir: string): Promise<number[]> {
  const seqs: number[] = [];
  for (const name of await readdir(dir)) {
    const match = SEGMENT.exec(name);
    if (match?.[1]) seqs.push(Number(match[1]));
  }
  return seqs.sort((a, b) => a - b);
}

/** Makes a file creation, rename or unlink in `dir` itself durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes all of `data` at the end of an append-mode file. */
export async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written, null);
    written += bytesWritten;
  }
}

/** Reads `length` bytes at `position` (fewer only at the end of the file). */
export async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let read = 0;
  while (read < length) {
    const { bytesRead } = await handle.read(buffer, read, length - read, position + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return buffer.subarray(0, read);
}

/** The first record not yet acknowledged: everything before it went to Redis. */
export interface Checkpoint {
  segment: number;
  offset: number;
}

const CHECKPOINT = 'checkpoint.json';

export async function readCheckpoint(dir: string): Promise<Checkpoint> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, CHECKPOINT), 'utf8')) as Partial<Checkpoint>;
    if (Number.isSafeInteger(parsed.segment) && Number.isSafeInteger(parsed.offset)) {
      return { segment: parsed.segment as number, offset: parsed.offset as number };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return { segment: 0, offset: 0 };
}

/** Replaces the checkpoint atomically: write a temp file, fsync, rename, fsync the directory. */
export async function writeCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  const temp = join(dir, `${CHECKPOINT}.tmp`);
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(JSON.stringify(checkpoint));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, join(dir, CHECKPOINT));
  await syncDir(dir);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the directory's lock file so a second ingest cannot write the same spool. A lock left by a
 * dead process (a SIGKILLed ingest, or PID 1 of a restarted container) is taken over.
 */
export async function acquireLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, 'spool.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new SpoolLockedError(dir, pid);
      }
      await rm(path, { force: true });
    }
  }
}
