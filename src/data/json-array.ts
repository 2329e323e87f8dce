import { createReadStream } from 'node:fs';
import type { StreamOptions } from './line-reader';
import { StructureError } from './structure-error';

/** One top-level element of a JSON array: its source text and the line where it starts. */
export type ElementHandler = (text: string, line: number) => void;


const enum State {
  BeforeArray,
  BeforeElement,
  InElement,
  AfterElement,
  AfterArray,
}

/**
 * Streams a JSON array file (`[ {...}, {...} ]`) element by element, so a file of any size is read with
 * memory bounded by one chunk plus one element. Elements are returned as text for the caller to
 * `JSON.parse`, which gives per-element error messages and lets bad elements be skipped.
 */
export async function forEachJsonArrayElement(
  file: string,
  onElement: ElementHandler,
  options: StreamOptions = {},
): Promise<void> {
  let state = State.BeforeArray;
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let elementLine = 0;
  let element: string[] = [];
  let firstChar = true;

  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const stream = createReadStream(file, { highWaterMark: options.chunkSize ?? 1 << 20 });

  const finishElement = (text: string): void => {
    element.push(text);
    onElement(element.join('').trimEnd(), elementLine);
    element = [];
  };

  const consume = (chunk: string): void => {
    let start = 0; // start of the current element's text within `chunk`
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (firstChar) {
        firstChar = false;
        if (c === '\ufeff') continue;
      }
      if (state === State.InElement) {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === '\\') escaped = true;
          else if (c === '"') inString = false;
          else if (c === '\n') line++;
          continue;
        }
        if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') {
          if (depth > 0) depth--;
          else if (c === ']') {
            // A `]` outside every element closes the array itself; a stray `}` is left for JSON.parse to report.
            finishElement(chunk.slice(start, i));
            state = State.AfterArray;
          }
        } else if (c === ',' && depth === 0) {
          finishElement(chunk.slice(start, i));
          state = State.BeforeElement;
        } else if (c === '\n') line++;
        continue;
      }
      if (c === '\n') {
        line++;
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r') continue;
      switch (state) {
        case State.BeforeArray:
          if (c !== '[') throw new StructureError(`expected a JSON array starting with "[", found "${c}"`, line);
          state = State.BeforeElement;
          break;
        case State.BeforeElement:
          if (c === ']') {
            if (elementLine > 0) throw new StructureError('bad JSON: a comma before "]" (trailing comma)', line);
            state = State.AfterArray;
            break;
          }
          if (c === ',') throw new StructureError('bad JSON: an array element is missing before ","', line);
          state = State.InElement;
          elementLine = line;
          start = i;
          i--; // re-read this character inside the element
          break;
        case State.AfterArray:
          throw new StructureError(`unexpected text "${c}" after the closing "]" of the array`, line);
        default:
          break;
      }
    }
    if (state === State.InElement) element.push(chunk.slice(start));
  };

  const decode = (chunk?: Buffer): string => {
    try {
      return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch {
      throw new StructureError('the file is not valid UTF-8', line);
    }
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) consume(decode(chunk));
  consume(decode());
  if (state === State.BeforeArray) throw new StructureError('the file is empty; expected a JSON array', line);
  if (state !== State.AfterArray) {
    const where = state === State.InElement ? `the element starting on line ${elementLine} is never closed` : 'the array is never closed with "]"';
    throw new StructureError(`unexpected end of file: ${where}`, line);
  }
}
