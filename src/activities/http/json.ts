import { isSafeNumber, parse as parseLossless } from 'lossless-json';

/**
 * How deep a response may nest. The recursive walkers of a body overflow Node's stack further
 * down: JSONPath's `..` near 1,100 levels, the lossless parser and JSON.stringify (which hands
 * rows to Postgres) near 4,000. A body deeper than this is refused naming the limit, see
 * {@link refuseTooDeep}.
 */
export const MAX_DEPTH = 800;

/**
 * A JSON number that a JS number would not keep exactly: an integer beyond 2^53, more significant
 * digits than a double holds, or out of its range (`1e400`). It keeps the literal. In JSON it is
 * written as a string of those digits, which Postgres reads exactly into `numeric`, `bigint` or
 * `text` columns, and which stays a plain string in tokens and workflow payloads.
 */
export class ExactNumber {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
  toJSON(): string {
    return this.text;
  }
  /** The nearest double, for comparisons (a paginator's total, an incremental cursor). */
  valueOf(): number {
    return Number(this.text);
  }
  /** True for an integer literal (no fraction, no exponent). */
  get integer(): boolean {
    return /^-?\d+$/.test(this.text);
  }
}

/** Bodies deeper than {@link MAX_DEPTH}: parsed, but refused by the record selector. */
const tooDeep = new WeakSet<object>();

/**
 * Bodies (and the lists of records selected from them) known to need no cleaning: within MAX_DEPTH, and
 * from a text without a `\u0000` or surrogate escape, so no string in them holds a NUL or a lone
 * surrogate (raw ones cannot occur: JSON forbids raw control characters, and UTF-8 decoding
 * leaves no lone surrogate). The loader skips its per-string checks for them.
 */
const vetted = new WeakSet<object>();
const RISKY_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/**
 * Parses a response body without losing a number: JSON.parse (native and fast) unless a number
 * literal in the text could be rounded by it, then lossless-json, turning only the unsafe
 * literals into {@link ExactNumber}s. A body nested deeper than {@link MAX_DEPTH} is parsed
 * natively (the lossless parser recurses) and marked, so {@link refuseTooDeep} fails its page.
 */
export function parseJsonBody(text: string): unknown {
  const { depth, inexact } = scanJson(text);
  const deep = depth > MAX_DEPTH;
  const value = !inexact || deep ? JSON.parse(text) : parseLossless(text, null, exactNumber);
  if (value !== null && typeof value === 'object') {
    if (deep) tooDeep.add(value);
    else if (text.indexOf('\\u') < 0 || !RISKY_ESCAPE.test(text)) vetted.add(value);
  }
  return value;
}

/** Marks the list of records selected from a vetted body as vetted too (one mark for the page). */
export function shareVetted(body: unknown, records: unknown[]): void {
  if (body !== null && typeof body === 'object' && vetted.has(body)) vetted.add(records);
}

/** True for a body or a list of records that {@link parseJsonBody} found clean and within limits. */
export function isVetted(value: object): boolean {
  return vetted.has(value);
}

function exactNumber(literal: string): number | ExactNumber {
  return isSafeNumber(literal) ? Number(literal) : new ExactNumber(literal);
}

/** Throws `error(message)` when `body` was parsed from a text nested deeper than {@link MAX_DEPTH}. */
export function refuseTooDeep(body: unknown, error: (message: string) => Error): void {
  if (body !== null && typeof body === 'object' && tooDeep.has(body)) {
    throw error(`response nested deeper than ${MAX_DEPTH} levels (the limit); not loaded`);
  }
}

/**
 * One pass over a JSON text, without recursion: its deepest nesting, and whether a number literal
 * might not survive JSON.parse (16+ digits, as a double keeps 15 significant digits always, or an
 * exponent). Strings are jumped over with indexOf, so only the text between them is looked at:
 * about 40% of JSON.parse's own time, and exact (a long digit run inside a string does not count).
 */
export function scanJson(text: string): { depth: number; inexact: boolean } {
  let depth = 0;
  let max = 0;
  let inexact = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = closingQuote(text, i);
      if (i < 0) break; // not JSON: JSON.parse says so
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let digits = 0;
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d >= 0x30 && d <= 0x39) digits++;
        else if (d === 0x65 || d === 0x45) inexact = true; // e, E
        else if (d !== 0x2e && d !== 0x2d && d !== 0x2b) break; // . - +
      }
      if (digits > 15) inexact = true;
      i--;
    }
  }
  return { depth: max, inexact };
}

const QUOTE = 0x22;

/** The index of the quote closing the string opened at `open` (one not escaped), or -1. */
function closingQuote(text: string, open: number): number {
  let j = text.indexOf('"', open + 1);
  while (j > 0 && text.charCodeAt(j - 1) === 0x5c) {
    let k = j - 1;
    while (text.charCodeAt(k) === 0x5c) k--;
    if ((j - 1 - k) % 2 === 0) break; // an even run of backslashes escapes each other
    j = text.indexOf('"', j + 1);
  }
  return j;
}
