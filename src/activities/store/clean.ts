import { DataError } from '../../errors';
import { ExactNumber, MAX_DEPTH } from '../http/json';
import type { ColumnNames } from './names';

/**
 * Text Postgres refuses: a NUL byte (text and jsonb cannot hold U+0000) and a lone UTF-16
 * surrogate (jsonb rejects `\ud800` without its pair). Both are replaced by U+FFFD and counted,
 * so one bad character costs a character, not the page.
 */
const BAD = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** True when Postgres takes the string as it is: the hot path, two native scans. */
export function isCleanText(s: string): boolean {
  return s.indexOf('\0') < 0 && (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** The string with each NUL and lone surrogate replaced by U+FFFD, and how many were. */
export function cleanText(s: string): { text: string; replaced: number } {
  let replaced = 0;
  const text = s.replace(BAD, () => {
    replaced++;
    return '\uFFFD';
  });
  return { text, replaced };
}

/** What {@link cleanNested} found in one value. */
export interface NestedCheck {
  /** characters replaced in strings and keys */
  replaced: number;
  /** deeper than allowed: the value was not (fully) walked */
  tooDeep: boolean;
}

/**
 * Walks a nested value (an object or array) without recursion, so no nesting overflows the
 * stack: replaces bad characters in its strings and keys in place (the value is the parser's own
 * fresh copy) and stops at `maxDepth` levels (the value itself is level 1).
 */
export function cleanNested(value: object, maxDepth: number): NestedCheck {
  const nodes: object[] = [value];
  const depths: number[] = [1];
  let replaced = 0;
  const visit = (holder: Record<string | number, unknown>, k: string | number, depth: number): void => {
    const v = holder[k];
    if (typeof v === 'string') {
      if (!isCleanText(v)) {
        const c = cleanText(v);
        replaced += c.replaced;
        holder[k] = c.text;
      }
    } else if (v !== null && typeof v === 'object') {
      nodes.push(v);
      depths.push(depth + 1);
    }
  };
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > maxDepth) return { replaced, tooDeep: true };
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) visit(node as unknown[] as Record<number, unknown>, i, depth);
      continue;
    }
    const obj = node as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      let k = key;
      if (!isCleanText(key)) {
        const c = cleanText(key);
        replaced += c.replaced;
        k = c.text;
        moveKey(obj, key, k);
      }
      visit(obj, k, depth);
    }
  }
  return { replaced, tooDeep: false };
}

/** Renames a key in place (defineProperty: even a cleaned `__proto__` stays an own key). */
function moveKey(obj: Record<string, unknown>, from: string, to: string): void {
  Object.defineProperty(obj, to, { value: obj[from], enumerable: true, writable: true, configurable: true });
  delete obj[from];
}

/** Counts replaced characters per column, for the page's one warning. */
export class Replacements {
  readonly byColumn = new Map<string, number>();
  add(column: string, n: number): void {
    if (n > 0) this.byColumn.set(column, (this.byColumn.get(column) ?? 0) + n);
  }
  message(where: string): string | undefined {
    if (this.byColumn.size === 0) return undefined;
    const list = [...this.byColumn].map(([c, n]) => `"${c}" (${n})`).join(', ');
    return `${where}: replaced NUL bytes and lone surrogates with U+FFFD (Postgres cannot store them) in column ${list}`;
  }
}

/**
 * Makes one value storable: replaces characters Postgres refuses (in the row, and in the record
 * too, whose fields also go to child partitions) and refuses nesting past the limit.
 */
export function cleanValue(rec: Record<string, unknown>, row: Record<string, unknown>, k: string, ctx: CleanContext, i: number): void {
  const v = row[k];
  if (typeof v === 'string') {
    if (isCleanText(v)) return;
    const c = cleanText(v);
    row[k] = c.text;
    const raw = ctx.names.keyFor(k);
    if (row !== rec && raw !== null && Object.hasOwn(rec, raw)) rec[raw] = c.text;
    ctx.replaced.add(k, c.replaced);
  } else if (v !== null && typeof v === 'object' && !(v instanceof ExactNumber)) {
    const check = cleanNested(v, MAX_DEPTH - 1);
    if (check.tooDeep) {
      throw new DataError(`${ctx.where}: record ${i} field "${k}" is nested deeper than ${MAX_DEPTH} levels (the limit); not loaded`);
    }
    ctx.replaced.add(k, check.replaced);
  }
}

export interface CleanContext {
  names: ColumnNames;
  replaced: Replacements;
  where: string;
}
