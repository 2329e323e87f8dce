import { createReadStream } from 'node:fs';

/** Called for each line: its text (no line break, BOM removed from line 1), or undefined if not valid UTF-8. */
export type LineHandler = (text: string | undefined, line: number) => void;

export interface StreamOptions {
  /** Bytes read at a time; small values exercise chunk boundaries in tests. Default 1 MiB. */
  chunkSize?: number;
}

const DEFAULT_CHUNK = 1 << 20;
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
      emit(decoded);
      start = end + 1;
    }
  };

  const emit = (part: string | undefined): void => {
    if (part !== undefined) {
      if (part.endsWith('\r')) part = part.slice(0, -1);
      if (line === 1 && part.charCodeAt(0) === 0xfeff) part = part.slice(1);
    }
    onLine(part, line++);
  };

  const stream = createReadStream(file, { highWaterMark: options.chunkSize ?? DEFAULT_CHUNK });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const lastNewline = chunk.lastIndexOf(NEWLINE);
    if (lastNewline < 0) {
      pending.push(chunk);
      continue;
    }
    const head = chunk.subarray(0, lastNewline + 1);
    emitBlock(pending.length > 0 ? Buffer.concat([...pending, head]) : head);
    pending = lastNewline + 1 < chunk.length ? [chunk.subarray(lastNewline + 1)] : [];
  }
  if (pending.length > 0) emitBlock(Buffer.concat(pending));
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
