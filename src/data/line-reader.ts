import { createReadStream } from 'node:fs';

/**
 * Called for each line: its text (no line break, BOM removed from line 1), or undefined with `problem` saying
 * why it could not be read (not valid UTF-8, or longer than MAX_LINE_BYTES).
 */
export type LineHandler = (text: string | undefined, line: number, problem?: string) => void;

export interface StreamOptions {
  /** Bytes read at a time; small values exercise chunk boundaries in tests. Default 1 MiB. */
  chunkSize?: number;
  /** Longest line read, in bytes; default MAX_LINE_BYTES (tests lower it). */
  maxLineBytes?: number;
}

const DEFAULT_CHUNK = 1 << 20;
/** A longer line is reported, not read: holding it would cost memory without bound (and V8 strings end near 512 M characters). */
export const MAX_LINE_BYTES = 64 << 20;

export function lineTooLong(maxLineBytes: number): string {
  return `the line is longer than ${formatBytes(maxLineBytes)}, the longest line read (is the file really one record per line?)`;
}

function formatBytes(bytes: number): string {
  return bytes >= 1 << 20 && bytes % (1 << 20) === 0 ? `${bytes >> 20} MiB` : `${bytes} bytes`;
}
const NEWLINE = 0x0a;

/**
 * Streams a UTF-8 text file line by line without holding more than one chunk plus one line in memory.
 * Lines end at "\n"; a "\r" before it is removed. Each complete block of lines is decoded at once (fast);
 * only a block that fails strict UTF-8 decoding is decoded line by line to find the bad line.
 */
export async function forEachLine(file: string, onLine: LineHandler, options: StreamOptions = {}): Promise<void> {
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let line = 1;
  let pending: Buffer[] = [];

  const emitBlock = (block: Buffer): void => {
    // `block` holds whole lines, each ending in "\n" except possibly the file's last one.
    let text: string | undefined;
    try {
      text = strict.decode(block);
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      const parts = text.split('\n');
      if (parts[parts.length - 1] === '' && block[block.length - 1] === NEWLINE) parts.pop();
      for (const part of parts) emit(part);
      return;
    }
    let start = 0;
    while (start < block.length) {
      const nl = block.indexOf(NEWLINE, start);
      const end = nl < 0 ? block.length : nl;
      let decoded: string | undefined;
      try {
        decoded = strict.decode(block.subarray(start, end));
      } catch {
        decoded = undefined;
      }
      if (decoded === undefined) emit(undefined, 'the line is not valid UTF-8');
      else emit(decoded);
      start = end + 1;
    }
  };

  const emit = (part: string | undefined, problem?: string): void => {
    if (part !== undefined) {
      if (part.endsWith('\r')) part = part.slice(0, -1);
      if (line === 1 && part.charCodeAt(0) === 0xfeff) part = part.slice(1);
    }
    onLine(part, line++, problem);
  };

  // While a line is too long, its bytes are dropped until its end, then it is reported once.
  const maxLine = options.maxLineBytes ?? MAX_LINE_BYTES;
  let pendingBytes = 0;
  let skipping = false;
  const stream = createReadStream(file, { highWaterMark: options.chunkSize ?? DEFAULT_CHUNK });
  for await (const whole of stream as AsyncIterable<Buffer>) {
    let chunk = whole;
    if (skipping) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl < 0) continue;
      emit(undefined, lineTooLong(maxLine));
      skipping = false;
      chunk = chunk.subarray(nl + 1);
    }
    const lastNewline = chunk.lastIndexOf(NEWLINE);
    if (lastNewline < 0) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes > maxLine) {
        skipping = true;
        pending = [];
        pendingBytes = 0;
      }
      continue;
    }
    const head = chunk.subarray(0, lastNewline + 1);
    // The first line of `head` continues the pending bytes; it may be the one that is too long.
    const firstNewline = head.indexOf(NEWLINE);
    if (pendingBytes + firstNewline > maxLine) {
      emit(undefined, lineTooLong(maxLine));
      pending = [];
      emitLines(head.subarray(firstNewline + 1));
    } else emitLines(pending.length > 0 ? Buffer.concat([...pending, head]) : head);
    pending = lastNewline + 1 < chunk.length ? [chunk.subarray(lastNewline + 1)] : [];
    pendingBytes = pending.length > 0 ? pending[0].length : 0;
    if (pendingBytes > maxLine) {
      skipping = true;
      pending = [];
      pendingBytes = 0;
    }
  }
  if (skipping) emit(undefined, lineTooLong(maxLine));
  else if (pending.length > 0) emitBlock(Buffer.concat(pending));

  /** Whole lines; any of them longer than the limit is reported instead of decoded. */
  function emitLines(block: Buffer): void {
    if (block.length === 0) return;
    if (block.length <= maxLine) return emitBlock(block);
    let start = 0;
    while (start < block.length) {
      const nl = block.indexOf(NEWLINE, start);
      const end = nl < 0 ? block.length : nl + 1;
      if (end - start - 1 > maxLine) emit(undefined, lineTooLong(maxLine));
      else emitBlock(block.subarray(start, end));
      start = end;
    }
  }
}

function isBlankByte(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0d;
}

/**
 * Counts lines holding anything but spaces/tabs, reading raw bytes (no decoding, no parsing), so counting a
 * file of any size costs one chunk of memory.
 */
export async function countNonBlankLines(file: string, options: StreamOptions = {}): Promise<number> {
  let count = 0;
  let lineHasContent = false;
  let atFileStart = true;
  const stream = createReadStream(file, { highWaterMark: options.chunkSize ?? DEFAULT_CHUNK });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let i = 0;
    if (atFileStart) {
      atFileStart = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    }
    while (i < chunk.length) {
      if (!lineHasContent) {
        // Skip blank bytes until content or the end of the line.
        while (i < chunk.length && isBlankByte(chunk[i])) i++;
        if (i >= chunk.length) break;
        if (chunk[i] !== NEWLINE) lineHasContent = true;
      }
      const nl = chunk.indexOf(NEWLINE, i);
      if (nl < 0) break;
      if (lineHasContent) count++;
      lineHasContent = false;
      i = nl + 1;
    }
  }
  if (lineHasContent) count++;
  return count;
}
