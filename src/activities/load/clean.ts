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
  let replaced = 0;
  const stack: Array<[Record<string, unknown>, number]> = [[value as Record<string, unknown>, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > maxDepth) return { replaced, tooDeep: true };
    for (const key of Object.keys(node)) {
      let k = key;
      if (!isCleanText(key)) {
        const c = cleanText(key);
        replaced += c.replaced;
        k = c.text;
        Object.defineProperty(node, k, { value: node[key], enumerable: true, writable: true, configurable: true });
        delete node[key];
      }
      const v = node[k];
      if (typeof v === 'string') {
        if (!isCleanText(v)) {
          const c = cleanText(v);
          replaced += c.replaced;
          node[k] = c.text;
        }
      } else if (v !== null && typeof v === 'object') stack.push([v as Record<string, unknown>, depth + 1]);
    }
  }
  return { replaced, tooDeep: false };
}
