import { type FileHandle, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SpoolBrokenError, SpoolClosedError, SpoolError, SpoolFullError } from './errors.js';
import {
  acquireLock,
  type Checkpoint,
  listSegments,
  readAt,
  readCheckpoint,
  segmentName,
  syncDir,
  writeAll,
  writeCheckpoint,
} from './files.js';
import { encodeFrame, readFrame } from './frame.js';
import { recoverSegment, type SegmentScan } from './recover.js';

export interface SpoolOptions {
  /** Directory of the spool; created if missing. One process at a time (a lock file guards it). */
  dir: string;
  /** Bytes on disk at most; an append beyond it rejects with SpoolFullError. */
  maxBytes: number;
  /** A new segment file is started past this size, so acknowledged data is freed by deleting files. */
  segmentBytes?: number;
}

/** A spooled record and where it ends; acknowledging it acknowledges every record before it too. */
export interface SpoolEntry<T> {
  value: T;
  segment: number;
  end: number;
  /** Position among all records since the spool was opened; used to count the depth. */
  ordinal: number;
}

/** What `open` found and repaired. */
export interface SpoolRecovery {
  records: number;
  tornBytes: number;
  quarantined: string[];
}

interface Segment {
  seq: number;
  /** Bytes known durable (fsynced). Readers never look past it. */
  size: number;
}

interface PendingAppend {
  frame: Buffer;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const READ_WINDOW = 256 * 1024;

/**
 * A durable append-only spool of JSON records on local disk. Appends made in the same tick share
 * one write and one fsync (group commit), and each resolves only after that fsync. Records are read
 * oldest first with `peek` and deleted only by `ack`, so a crash between reading a record and
 * storing it elsewhere replays it rather than losing it.
 */
export class Spool<T> {
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #segmentBytes: number;
  readonly #segments: Segment[];
  readonly #releaseLock: () => Promise<void>;
  #active: FileHandle;
  #head: Checkpoint;
  #depth: number;
  #acked = 0;
  #bytesOnDisk: number;
  #reservedBytes = 0;
  #pending: PendingAppend[] = [];
  #flushScheduled = false;
  #chain: Promise<unknown> = Promise.resolve();
  #broken: SpoolBrokenError | undefined;
  #closed = false;
  #flushes = 0;
  readonly recovery: SpoolRecovery;

  private constructor(
    options: Required<SpoolOptions>,
    state: { segments: Segment[]; active: FileHandle; head: Checkpoint; recovery: SpoolRecovery },
    releaseLock: () => Promise<void>,
  ) {
    this.#dir = options.dir;
    this.#maxBytes = options.maxBytes;
    this.#segmentBytes = options.segmentBytes;
    this.#segments = state.segments;
    this.#active = state.active;
    this.#head = state.head;
    this.recovery = state.recovery;
    this.#depth = state.recovery.records;
    this.#bytesOnDisk = state.segments.reduce((sum, segment) => sum + segment.size, 0);
    this.#releaseLock = releaseLock;
  }

  /** Opens (or creates) the spool in `dir`, repairing a torn tail left by a crash. */
  static async open<T>(options: SpoolOptions): Promise<Spool<T>> {
    const settings = { segmentBytes: 4 * 1024 * 1024, ...options };
    if (!(settings.maxBytes > 0)) throw new RangeError('spool maxBytes must be positive');
    await mkdir(settings.dir, { recursive: true });
    const releaseLock = await acquireLock(settings.dir);
    try {
      const checkpoint = await readCheckpoint(settings.dir);
      const scans: SegmentScan[] = [];
      for (const seq of await listSegments(settings.dir)) {
        if (seq < checkpoint.segment) {
          // Acknowledged before a crash cut the deletion short.
          await rm(join(settings.dir, segmentName(seq)), { force: true });
          continue;
        }
        scans.push(
          await recoverSegment(settings.dir, seq, seq === checkpoint.segment ? checkpoint.offset : 0),
        );
      }
      const segments: Segment[] = scans.map(({ seq, size }) => ({ seq, size }));
      const last = segments.at(-1);
      const activeSeq = last?.seq ?? checkpoint.segment + 1;
      if (!last) segments.push({ seq: activeSeq, size: 0 });
      const active = await open(join(settings.dir, segmentName(activeSeq)), 'a');
      await syncDir(settings.dir);
      const first = segments[0] as Segment;
      const head =
        first.seq === checkpoint.segment
          ? { segment: first.seq, offset: Math.min(checkpoint.offset, first.size) }
          : { segment: first.seq, offset: 0 };
      const recovery: SpoolRecovery = {
        records: scans.reduce((sum, scan) => sum + scan.records, 0),
        tornBytes: scans.reduce((sum, scan) => sum + scan.tornBytes, 0),
        quarantined: scans.flatMap((scan) => (scan.quarantined ? [scan.quarantined] : [])),
      };
      return new Spool<T>(settings, { segments, active, head, recovery }, releaseLock);
    } catch (error) {
      await releaseLock();
      throw error;
    }
  }

  /** Records appended and not yet acknowledged. */
  get depth(): number {
    return this.#depth;
  }

  /** Bytes the spool holds on disk, including appends being written. */
  get bytes(): number {
    return this.#bytesOnDisk + this.#reservedBytes;
  }

  /** fsyncs of appended data so far; far fewer than appends when requests arrive together. */
  get flushes(): number {
    return this.#flushes;
  }

  get maxBytes(): number {
    return this.#maxBytes;
  }

  /** Stores `value` durably; resolves after the fsync that covers it, rejects when it is not stored. */
  append(value: T): Promise<void> {
    if (this.#closed) return Promise.reject(new SpoolClosedError());
    if (this.#broken) return Promise.reject(this.#broken);
    let frame: Buffer;
    try {
      frame = encodeFrame(value);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.bytes + frame.length > this.#maxBytes) {
      return Promise.reject(new SpoolFullError(this.bytes, this.#maxBytes));
    }
    this.#reservedBytes += frame.length;
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ frame, resolve, reject });
      this.#scheduleFlush();
    });
  }

  /**
   * Up to `max` records, oldest first, starting at the oldest one not acknowledged. `peek` and `ack`
   * are for one consumer at a time (the replayer); appends may run alongside.
   */
  async peek(max: number): Promise<SpoolEntry<T>[]> {
    const entries: SpoolEntry<T>[] = [];
    const segments = this.#segments.map((segment) => ({ ...segment }));
    const head = { ...this.#head };
    let ordinal = this.#acked;
    for (const segment of segments) {
      if (entries.length >= max) break;
      let position = segment.seq === head.segment ? head.offset : 0;
      if (segment.seq < head.segment || position >= segment.size) continue;
      const handle = await open(join(this.#dir, segmentName(segment.seq)), 'r');
      try {
        let want = READ_WINDOW;
        while (entries.length < max && position < segment.size) {
          const buffer = await readAt(handle, position, Math.min(segment.size - position, want));
          let offset = 0;
          while (entries.length < max) {
            const frame = readFrame(buffer, offset);
            if (frame.kind === 'incomplete') {
              want = Math.max(READ_WINDOW, frame.needed);
              break;
            }
            if (frame.kind === 'corrupt') {
              throw new SpoolError(`${segmentName(segment.seq)} at ${position + offset}: ${frame.reason}`);
            }
            entries.push({
              value: JSON.parse(frame.payload.toString('utf8')) as T,
              segment: segment.seq,
              end: position + frame.end,
              ordinal: ordinal++,
            });
            offset = frame.end;
          }
          if (offset === 0 && entries.length < max && position + want > segment.size) {
            throw new SpoolError(`${segmentName(segment.seq)} at ${position}: record runs past the end`);
          }
          position += offset;
        }
      } finally {
        await handle.close();
      }
    }
    return entries;
  }

  /**
   * Acknowledges `entry` and every record before it: they are stored elsewhere now. Persists the new
   * head and deletes segment files that hold nothing unacknowledged any more.
   */
  ack(entry: SpoolEntry<T>): Promise<void> {
    if (this.#closed) return Promise.reject(new SpoolClosedError());
    return this.#exclusive(async () => {
      const count = entry.ordinal + 1 - this.#acked;
      if (count <= 0) return;
      let head: Checkpoint = { segment: entry.segment, offset: entry.end };
      const active = this.#segments.at(-1) as Segment;
      if (head.segment === active.seq && head.offset >= active.size) {
        // Everything is acknowledged: start a fresh file so the old one can go.
        await this.#rotate();
        head = { segment: (this.#segments.at(-1) as Segment).seq, offset: 0 };
      }
      await writeCheckpoint(this.#dir, head);
      this.#head = head;
      this.#acked += count;
      this.#depth -= count;
      let deleted = false;
      while ((this.#segments[0] as Segment).seq < head.segment) {
        const gone = this.#segments.shift() as Segment;
        this.#bytesOnDisk -= gone.size;
        await rm(join(this.#dir, segmentName(gone.seq)), { force: true });
        deleted = true;
      }
      if (deleted) await syncDir(this.#dir);
    });
  }

  /** Waits for every append made so far to be durable (or to fail). */
  flush(): Promise<void> {
    return this.#exclusive(() => this.#writePending());
  }

  /** Flushes what is pending, then closes files and releases the lock. Later appends reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#exclusive(async () => {
      await this.#writePending();
      await this.#active.close();
      await this.#releaseLock();
    });
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // setImmediate, not a microtask: requests handled in the same event-loop turn join the batch.
    setImmediate(() => {
      this.#flushScheduled = false;
      void this.#exclusive(() => this.#writePending());
    });
  }

  /** Runs file-changing work one at a time, in call order. */
  #exclusive<R>(work: () => Promise<R>): Promise<R> {
    const run = this.#chain.then(work, work);
    this.#chain = run.catch(() => {});
    return run;
  }

  async #writePending(): Promise<void> {
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const data =
      batch.length === 1 ? (batch[0] as PendingAppend).frame : Buffer.concat(batch.map((p) => p.frame));
    const fail = (error: unknown) => {
      this.#reservedBytes -= data.length;
      for (const append of batch) append.reject(error);
    };
    if (this.#broken) return fail(this.#broken);
    try {
      if ((this.#segments.at(-1) as Segment).size >= this.#segmentBytes) await this.#rotate();
    } catch (error) {
      return fail(error);
    }
    const active = this.#segments.at(-1) as Segment;
    try {
      await writeAll(this.#active, data);
    } catch (error) {
      // Cut the partial write so the file ends on a whole record again; if even that fails, stop.
      await this.#active.truncate(active.size).catch(() => {
        this.#broken = new SpoolBrokenError(error);
      });
      return fail(error);
    }
    try {
      this.#flushes++;
      await this.#active.datasync();
    } catch (error) {
      this.#broken = new SpoolBrokenError(error);
      return fail(this.#broken);
    }
    active.size += data.length;
    this.#bytesOnDisk += data.length;
    this.#reservedBytes -= data.length;
    this.#depth += batch.length;
    for (const append of batch) append.resolve();
  }

  async #rotate(): Promise<void> {
    const seq = (this.#segments.at(-1) as Segment).seq + 1;
    const next = await open(join(this.#dir, segmentName(seq)), 'a');
    await syncDir(this.#dir);
    const previous = this.#active;
    this.#active = next;
    this.#segments.push({ seq, size: 0 });
    await previous.close();
  }
}
