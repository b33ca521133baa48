import { copyFile, open, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { segmentName } from './files.js';
import { readFrame } from './frame.js';

/** What reopening found in one segment. */
export interface SegmentScan {
  seq: number;
  /** Whole, CRC-valid records from the start offset on. */
  records: number;
  /** Size after recovery: the end of the last good record. */
  size: number;
  /** Bytes cut off the end: a record whose write never finished (it was never acknowledged). */
  tornBytes: number;
  /** Where bytes that failed their CRC were copied before they were cut off. */
  quarantined?: string;
}

/**
 * Checks every frame of a segment from `start` and cuts the file after the last good one. An
 * incomplete frame is a torn tail: the crash came before its fsync, so it was never acknowledged
 * and is dropped. A frame failing its CRC is disk corruption: the rest of the segment is copied to
 * a `.corrupt-<offset>` file for a human before it is cut, never silently thrown away.
 */
export async function recoverSegment(dir: string, seq: number, start: number): Promise<SegmentScan> {
  const path = join(dir, segmentName(seq));
  const handle = await open(path, 'r');
  let data: Buffer;
  try {
    data = await handle.readFile();
  } finally {
    await handle.close();
  }
  let offset = Math.min(start, data.length);
  let records = 0;
  let corrupt = false;
  for (;;) {
    if (offset === data.length) break;
    const frame = readFrame(data, offset);
    if (frame.kind !== 'record') {
      corrupt = frame.kind === 'corrupt';
      break;
    }
    records++;
    offset = frame.end;
  }
  const scan: SegmentScan = { seq, records, size: offset, tornBytes: 0 };
  if (offset < data.length) {
    if (corrupt) {
      scan.quarantined = `${path}.corrupt-${offset}`;
      await copyFile(path, scan.quarantined);
    } else {
      scan.tornBytes = data.length - offset;
    }
    await truncate(path, offset);
  }
  return scan;
}
