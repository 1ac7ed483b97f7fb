/**
 * A syntax check of the JSONPaths a config names (`data_selector`, `cursor_path`, `next_url_path`,
 * `total_path`, ...), so `validate` refuses a path that could never match instead of a sync that
 * silently selects nothing. It accepts what dlt's jsonpath-ng reads: an optional `$`, dotted keys
 * (`data.items`, `results[*].x`), recursive descent (`$..next`), wildcards, indexes and slices
 * (`[0]`, `[-1]`, `[1:5]`), quoted keys (`['@odata.nextLink']`), unions (`[0,1]`) and filters
 * (`[?(@.active)]`, balanced). Pure: no evaluation happens here.
 */

/** A value quoted for a message, cut to a readable length (a config string may be megabytes). */
export function quoteBrief(value: string, max = 80): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

const BRACKET_BODY = [
  /^\*$/, // wildcard
  /^-?\d+$/, // index
  /^-?\d*:-?\d*(:-?\d+)?$/, // slice
  /^('([^'\\]|\\.)*'|"([^"\\]|\\.)*"|-?\d+)(\s*,\s*('([^'\\]|\\.)*'|"([^"\\]|\\.)*"|-?\d+))*$/, // quoted keys, unions
];

/** The end of a `[...]` opened at `start`, honouring quotes and nested brackets/parens; -1 when unclosed. */
function closeOf(path: string, start: number): number {
  const stack: string[] = [];
  let quote = '';
  for (let i = start; i < path.length; i++) {
    const c = path[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[' || c === '(') stack.push(c === '[' ? ']' : ')');
    else if (c === ']' || c === ')') {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

function bracketProblem(body: string): string | undefined {
  const b = body.trim();
  if (b.startsWith('?')) return b.length > 1 ? undefined : 'an empty filter';
  return BRACKET_BODY.some((re) => re.test(b)) ? undefined : `${quoteBrief(`[${body}]`)} is not an index, slice, quoted key or filter`;
}

/** Why `path` is not a JSONPath, or undefined when it is one. */
export function jsonPathProblem(path: string): string | undefined {
  const p = path.trim();
  if (p === '') return 'an empty path';
  let i = p.startsWith('$') ? 1 : 0;
  let expectKey = i === 0; // a path without `$` starts with a key
  while (i < p.length) {
    const c = p[i];
    if (c === '[') {
      const end = closeOf(p, i);
      if (end < 0) return `unclosed "[" at character ${i + 1}`;
      const problem = bracketProblem(p.slice(i + 1, end));
      if (problem) return problem;
      i = end + 1;
      expectKey = false;
    } else if (c === '.' || expectKey) {
      const descent = p.startsWith('..', i);
      const from = expectKey && c !== '.' ? i : i + (descent ? 2 : 1);
      if (c === '.' && p[from] === '[') {
        i = from;
        continue;
      }
      let end = from;
      while (end < p.length && p[end] !== '.' && p[end] !== '[') end++;
      const key = p.slice(from, end).trim();
      if (key === '') return `an empty key at character ${from + 1}`;
      if (/[\]()'"]/.test(key)) return `unexpected "${key.match(/[\]()'"]/)![0]}" in key ${quoteBrief(key)}`;
      i = end;
      expectKey = false;
    } else return `unexpected "${c}" at character ${i + 1}`;
  }
  return undefined;
}
