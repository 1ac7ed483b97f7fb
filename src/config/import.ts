/**
 * Turns a source config as users keep it into plain JSON data: JSON, JSON with comments (json5),
 * a Python dict literal, or a markdown / .py document that calls `rest_api_source({...})`.
 * Python is read with a small string-aware lexer and a literal-only parser, so quotes, `#` and `//`
 * inside strings (URLs) never confuse it. `dlt.secrets[...]` becomes `{ "$secret": name }` and
 * `dlt.config[...]` becomes `{ "$param": name }`; a processing step's simple lambda becomes a
 * JSONata expression (lambda.ts); nothing is evaluated.
 */
import JSON5 from 'json5';
import { ConfigError } from '../errors';
import { LambdaError, translateLambda } from './lambda';
import { MAX_CONFIG_DEPTH } from './validate';

type TokKind = 'str' | 'num' | 'name' | 'op' | 'end';
interface Tok {
  kind: TokKind;
  text: string;
  value?: string | number;
  pos: number;
}
interface Lexed {
  toks: Tok[];
  /** a lexing error met in tolerant mode: raised only if the parser reaches it */
  error?: ConfigError;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const NUMBER = /^(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', '0': '\0' };
const CONSTANTS: Record<string, unknown> = { True: true, False: false, None: null, true: true, false: false, null: null };

/** `origin:line:col` of an offset, for errors users can click in editors. */
function where(text: string, origin: string, pos: number): string {
  const before = text.slice(0, pos).split('\n');
  return `${origin}:${before.length}:${before[before.length - 1].length + 1}`;
}

/** Reads one Python/JS string literal starting at its quote; returns value and end offset. */
function lexString(text: string, pos: number, raw: boolean, fail: (p: number, m: string) => never) {
  const quote = text[pos];
  const triple = text.startsWith(quote.repeat(3), pos);
  const close = triple ? quote.repeat(3) : quote;
  let i = pos + close.length;
  let out = '';
  while (i < text.length && !text.startsWith(close, i)) {
    const c = text[i];
    if (c === '\n' && !triple) fail(pos, 'unterminated string');
    if (c !== '\\') {
      out += c;
      i += 1;
      continue;
    }
    const n = text[i + 1] ?? '';
    const hex = n === 'x' ? 2 : n === 'u' ? 4 : n === 'U' ? 8 : 0;
    if (raw) out += c + n;
    else if (hex) out += String.fromCodePoint(parseInt(text.slice(i + 2, i + 2 + hex), 16));
    else if (n === '\n') out += '';
    else out += ESCAPES[n] ?? (`\\'"`.includes(n) ? n : c + n);
    i += 2 + (raw ? 0 : hex);
  }
  if (i >= text.length) fail(pos, 'unterminated string');
  return { value: out, end: i + close.length };
}

/** Skips a comment (`#`, `//`, `/* *\/`) at `i`; returns the offset after it, or -1 if none. */
function skipComment(text: string, i: number): number {
  if (text[i] === '#' || text.startsWith('//', i)) {
    const nl = text.indexOf('\n', i);
    return nl < 0 ? text.length : nl;
  }
  if (text.startsWith('/*', i)) {
    const close = text.indexOf('*/', i + 2);
    return close < 0 ? text.length : close + 2;
  }
  return -1;
}

/** Lexes `text[start, end)`; in tolerant mode a bad literal ends the token list instead of throwing. */
function lex(text: string, origin: string, start: number, end: number, tolerant: boolean): Lexed {
  const toks: Tok[] = [];
  const fail = (p: number, m: string): never => {
    throw new ConfigError(m, where(text, origin, p));
  };
  let i = start;
  try {
    while (i < end) {
      const c = text[i];
      const afterComment = skipComment(text, i);
      if (/\s/.test(c)) i += 1;
      else if (afterComment >= 0) i = afterComment;
      else if (NAME_START.test(c)) {
        let j = i + 1;
        while (j < end && NAME_CHAR.test(text[j])) j += 1;
        const word = text.slice(i, j);
        if (/^[rRbBuUfF]{1,2}$/.test(word) && (text[j] === '"' || text[j] === "'")) {
          const s = lexString(text, j, /r/i.test(word), fail);
          toks.push({ kind: 'str', text: text.slice(i, s.end), value: s.value, pos: i });
          i = s.end;
        } else {
          toks.push({ kind: 'name', text: word, pos: i });
          i = j;
        }
      } else if (c === '"' || c === "'") {
        const s = lexString(text, i, false, fail);
        toks.push({ kind: 'str', text: text.slice(i, s.end), value: s.value, pos: i });
        i = s.end;
      } else if (NUMBER.test(text.slice(i, i + 64))) {
        const m = NUMBER.exec(text.slice(i, i + 64))![0];
        toks.push({ kind: 'num', text: m, value: Number(m.replace(/_/g, '')), pos: i });
        i += m.length;
      } else {
        toks.push({ kind: 'op', text: c, pos: i });
        i += 1;
      }
    }
  } catch (e) {
    if (!tolerant || !(e instanceof ConfigError)) throw e;
    toks.push({ kind: 'end', text: '', pos: i });
    return { toks, error: e };
  }
  toks.push({ kind: 'end', text: '', pos: end });
  return { toks };
}

/** Literal-only parser over lexed tokens: dicts, lists, tuples, strings, numbers and dlt refs. */
class LiteralParser {
  private keys: string[] = [];
  private depth = 0;
  constructor(
    private readonly text: string,
    private readonly origin: string,
    private readonly lexed: Lexed,
    public at: number,
  ) {}

  private peek(offset = 0): Tok {
    return this.lexed.toks[Math.min(this.at + offset, this.lexed.toks.length - 1)];
  }

  private fail(tok: Tok, message: string): never {
    if (tok.kind === 'end' && this.lexed.error) throw this.lexed.error;
    const found = tok.kind === 'end' ? 'end of input' : `\`${tok.text}\``;
    throw new ConfigError(`${message}, found ${found}`, where(this.text, this.origin, tok.pos));
  }

  private take(op?: string): Tok {
    const tok = this.peek();
    if (op !== undefined && (tok.kind !== 'op' || tok.text !== op)) this.fail(tok, `expected \`${op}\``);
    this.at += 1;
    return tok;
  }

  /** The parser recurses per level: a hostile document's depth is bounded before the stack is. */
  private nested<T>(tok: Tok, parse: () => T): T {
    if (this.depth >= MAX_CONFIG_DEPTH) throw new ConfigError(`nested deeper than ${MAX_CONFIG_DEPTH} levels`, where(this.text, this.origin, tok.pos));
    this.depth += 1;
    try {
      return parse();
    } finally {
      this.depth -= 1;
    }
  }

  private isOp(op: string, offset = 0): boolean {
    const tok = this.peek(offset);
    return tok.kind === 'op' && tok.text === op;
  }

  /** Parses one value: the entry point for callers. */
  value(): unknown {
    const tok = this.peek();
    if (tok.kind === 'op' && tok.text === '{') return this.nested(tok, () => this.dict());
    if (tok.kind === 'op' && (tok.text === '[' || tok.text === '(')) return this.nested(tok, () => this.list(tok.text === '[' ? ']' : ')'));
    if (tok.kind === 'str') return this.strings();
    if (tok.kind === 'num') return this.take().value;
    if (tok.kind === 'op' && (tok.text === '-' || tok.text === '+') && this.peek(1).kind === 'num') {
      this.take();
      return (tok.text === '-' ? -1 : 1) * (this.take().value as number);
    }
    if (tok.kind === 'name') return this.name();
    return this.fail(tok, 'expected a value');
  }

  /** Adjacent string literals concatenate, as in Python. */
  private strings(): string {
    let out = '';
    while (this.peek().kind === 'str') out += this.take().value as string;
    return out;
  }

  private dict(): Record<string, unknown> {
    this.take('{');
    const out: Record<string, unknown> = {};
    while (!this.isOp('}')) {
      const keyTok = this.peek();
      const path = keyTok.kind === 'op' && keyTok.text === '(' && this.keys[this.keys.length - 1] === 'nested_hints';
      if (!path && keyTok.kind !== 'str' && keyTok.kind !== 'num' && keyTok.kind !== 'name') this.fail(keyTok, 'expected a key');
      const key = path ? this.pathKey(keyTok) : keyTok.kind === 'str' ? this.strings() : String(this.take().value ?? keyTok.text);
      this.take(':');
      this.keys.push(key);
      out[key] = this.value();
      this.keys.pop();
      if (!this.isOp('}')) this.take(',');
    }
    this.take('}');
    return out;
  }

  /** A nested_hints key given as dlt's tuple path, `("orders", "items")`: the nested table's path `orders__items`. */
  private pathKey(start: Tok): string {
    const parts = this.nested(start, () => this.list(')'));
    if (parts.length === 0 || !parts.every((p) => typeof p === 'string' && p !== '')) return this.fail(start, 'a nested_hints path is a tuple of field names');
    return parts.join('__');
  }

  private list(close: string): unknown[] {
    this.take();
    const out: unknown[] = [];
    while (!this.isOp(close)) {
      out.push(this.value());
      if (!this.isOp(close)) this.take(',');
    }
    this.take(close);
    return out;
  }

  /** Python/JSON constants and the `dlt.secrets` / `dlt.config` / `os.environ` references. */
  private name(): unknown {
    const tok = this.take();
    if (Object.hasOwn(CONSTANTS, tok.text)) return CONSTANTS[tok.text];
    const attr = this.isOp('.') && this.peek(1).kind === 'name' ? this.peek(1).text : '';
    if (tok.text === 'dlt' && (attr === 'secrets' || attr === 'config')) {
      this.at += 2;
      return { [attr === 'secrets' ? '$secret' : '$param']: this.refName(tok) };
    }
    if (tok.text === 'os' && (attr === 'environ' || attr === 'getenv')) {
      this.at += 2;
      return { $secret: this.refName(tok) };
    }
    if (tok.text === 'lambda') return this.lambda(tok);
    // dlt's incremental takes the builtins max / min as last_value_func: they become their names
    if (this.keys[this.keys.length - 1] === 'last_value_func') {
      if ((tok.text === 'max' || tok.text === 'min') && !attr && !this.isOp('(')) return tok.text;
      return this.fail(tok, 'unsupported last_value_func: only the builtins max and min can be read (a custom function cannot run here)');
    }
    return this.fail(tok, 'unsupported Python expression: only literals, dlt.secrets[...] and dlt.config[...] are read');
  }

  /** A processing step's lambda, translated to JSONata; one that cannot be is refused quoting it. */
  private lambda(start: Tok): string {
    let depth = 0;
    while (this.peek().kind !== 'end') {
      const t = this.peek();
      if (t.kind === 'op' && '([{'.includes(t.text)) depth += 1;
      else if (t.kind === 'op' && ')]}'.includes(t.text)) {
        if (depth === 0) break;
        depth -= 1;
      } else if (t.kind === 'op' && t.text === ',' && depth === 0) break;
      this.at += 1;
    }
    const source = this.text.slice(start.pos, this.peek().pos).trim();
    const step = this.keys[this.keys.length - 1];
    if (step !== 'filter' && step !== 'map') throw new ConfigError(`a lambda is read only as a processing step's filter or map: ${JSON.stringify(source)}`, where(this.text, this.origin, start.pos));
    try {
      return translateLambda(source);
    } catch (err) {
      if (!(err instanceof LambdaError)) throw err;
      throw new ConfigError(`cannot translate the ${step} lambda ${JSON.stringify(source)} to an expression: ${err.message}; write the step as a JSONata expression string`, where(this.text, this.origin, start.pos));
    }
  }

  /** The name in `["x"]`, `.get("x")`, `("x")`, or the enclosing dict key for `.value`. */
  private refName(start: Tok): string {
    if (this.isOp('.') && this.peek(1).text === 'value') {
      this.at += 2;
      const key = this.keys[this.keys.length - 1];
      return key ?? this.fail(start, '`.value` needs an enclosing dict key to name it');
    }
    if (this.isOp('.') && this.peek(1).text === 'get') this.at += 2;
    const close = this.isOp('[') ? ']' : this.isOp('(') ? ')' : '';
    if (!close) return this.fail(this.peek(), 'expected `[` after the secret/config reference');
    this.take();
    const nameTok = this.peek();
    if (nameTok.kind !== 'str') this.fail(nameTok, 'expected a quoted name');
    const name = this.strings();
    while (this.isOp(',')) {
      this.take();
      if (!this.isOp(close)) this.value();
    }
    this.take(close);
    return name;
  }
}

/** Parses a whole text that is one literal; anything after it is an error. */
function parseWhole(text: string, origin: string, start: number): unknown {
  const lexed = lex(text, origin, start, text.length, false);
  const parser = new LiteralParser(text, origin, lexed, 0);
  const value = parser.value();
  const rest = lexed.toks[parser.at];
  if (rest.kind !== 'end') {
    throw new ConfigError(`unexpected \`${rest.text}\` after the config`, where(text, origin, rest.pos));
  }
  return value;
}

/**
 * Fenced code blocks of a markdown document, or the whole text for a .py file. A block runs from
 * an opening ``` or ~~~ line to the next line holding only the same fence. One pass over the
 * lines (a regex with a lazy body rescans the rest of the text at every unclosed fence).
 */
function codeRegions(text: string): Array<[number, number]> {
  const lines: Array<{ start: number; fence?: string; closes?: string }> = [];
  for (let start = 0; start <= text.length; ) {
    const nl = text.indexOf('\n', start);
    const line = text.slice(start, nl < 0 ? text.length : nl);
    const open = /^[ \t]*(```|~~~)/.exec(line);
    const fence = open && nl >= 0 ? open[1] : undefined;
    const closes = /^[ \t]*(```|~~~)[ \t\r]*$/.exec(line)?.[1];
    lines.push({ start, fence, closes });
    if (nl < 0) break;
    start = nl + 1;
  }
  // next line at or after i that closes each fence kind
  const nextClose: Record<string, number[]> = { '```': [], '~~~': [] };
  for (const f of Object.keys(nextClose)) {
    let next = -1;
    for (let i = lines.length - 1; i >= 0; i--) {
      if (lines[i].closes === f) next = i;
      nextClose[f][i] = next;
    }
  }
  const regions: Array<[number, number]> = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = lines[i].fence;
    const close = fence && i + 1 < lines.length ? nextClose[fence][i + 1] : -1;
    if (close < 0) continue;
    regions.push([lines[i + 1].start, lines[close].start]);
    i = close;
  }
  return regions.length > 0 ? regions : [[0, text.length]];
}

/** Index of the `{` that starts the config in a code region's tokens, or -1. */
function findConfigStart(toks: Tok[]): number {
  const isOp = (i: number, op: string) => toks[i]?.kind === 'op' && toks[i].text === op;
  let variable: string | undefined;
  for (let i = 0; i < toks.length; i += 1) {
    if (toks[i].text !== 'rest_api_source' || !isOp(i + 1, '(') || isOp(i - 1, '.')) continue;
    let arg = i + 2;
    if (toks[arg]?.text === 'config' && isOp(arg + 1, '=')) arg += 2;
    if (isOp(arg, '{')) return arg;
    if (toks[arg]?.kind === 'name') variable = toks[arg].text;
  }
  return findAssignment(toks, variable);
}

/** `name = {` or `name: RESTAPIConfig = {`, for the variable passed to the call or a config name. */
function findAssignment(toks: Tok[], variable: string | undefined): number {
  const wanted = (name: string, annotation: string) =>
    variable !== undefined ? name === variable : annotation === 'RESTAPIConfig' || /^(config|RESTAPIConfig)$/.test(name);
  for (let i = 0; i < toks.length; i += 1) {
    if (toks[i].kind !== 'name' || (toks[i - 1]?.kind === 'op' && toks[i - 1].text === '.')) continue;
    let j = i + 1;
    let annotation = '';
    if (toks[j]?.text === ':' && toks[j + 1]?.kind === 'name') {
      annotation = toks[j + 1].text;
      j += 2;
    }
    if (toks[j]?.text === '=' && toks[j + 1]?.text === '{' && wanted(toks[i].text, annotation)) return j + 1;
  }
  return -1;
}

/** Finds and parses the config inside a markdown or Python document. */
function importDocument(text: string, origin: string): unknown {
  const regions = codeRegions(text);
  for (const [start, end] of regions) {
    const lexed = lex(text, origin, start, end, true);
    const at = findConfigStart(lexed.toks);
    if (at >= 0) return new LiteralParser(text, origin, lexed, at).value();
  }
  for (const [start, end] of regions) {
    const first = text.slice(start, end).search(/\S/);
    if (first >= 0 && text[start + first] === '{') {
      return new LiteralParser(text, origin, lex(text, origin, start + first, end, true), 0).value();
    }
  }
  throw new ConfigError('no rest_api_source({...}) call, `config = {...}` assignment or JSON object found', origin);
}

/**
 * Reads a source config from text. `origin` (a file name) prefixes error locations.
 * Returns unvalidated data: pass it to `parseSourceConfig`.
 */
export function importSourceText(source: string, origin: string): unknown {
  const text = source.replace(/^\uFEFF/, '');
  const first = text.search(/\S/);
  if (first < 0) throw new ConfigError('the config is empty', origin);
  if (text[first] !== '{' && text[first] !== '[') return importDocument(text, origin);
  try {
    return JSON.parse(text);
  } catch {
    try {
      return JSON5.parse(text);
    } catch {
      return parseWhole(text, origin, first);
    }
  }
}
