/**
 * Translates the simple Python lambdas found in dlt configs' `processing_steps` into JSONata (the
 * expression language rest-sync evaluates): field access (`x["id"]`, `x.get("id")`, nested),
 * literals, comparisons, `in` / `not in` a list, `is None`, `and` / `or` / `not`, and
 * `{**x, "key": expr}`. Anything else is refused, the message quoting the lambda: nothing is
 * evaluated, and a lambda is never guessed at. Pure.
 */

/** Why a lambda cannot be translated; the importer adds where it stands. */
export class LambdaError extends Error {}

type Tok = { t: 'name' | 'str' | 'num' | 'op'; v: string };

const OPS = ['**', '==', '!=', '<=', '>=', '<', '>', '(', ')', '[', ']', '{', '}', ',', ':', '.', '-'];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  const kinds: Array<[Tok['t'], RegExp]> = [
    ['name', /^[A-Za-z_]\w*/],
    ['num', /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/],
    ['str', /^(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/],
  ];
  let i = 0;
  while (i < src.length) {
    const rest = src.slice(i);
    const ws = /^\s+/.exec(rest);
    if (ws) {
      i += ws[0].length;
      continue;
    }
    const hit = kinds.map(([t, re]) => [t, re.exec(rest)?.[0]] as const).find(([, m]) => m !== undefined);
    const op = OPS.find((o) => rest.startsWith(o));
    if (hit) out.push({ t: hit[0], v: hit[0] === 'str' ? pyString(hit[1]!) : hit[1]! });
    else if (op) out.push({ t: 'op', v: op });
    else throw new LambdaError(`\`${rest[0]}\` is not supported`);
    i += hit ? hit[1]!.length : op!.length;
  }
  return out;
}

/** A Python string literal's text (simple escapes). */
function pyString(lit: string): string {
  return lit.slice(1, -1).replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
}

const CMP: Record<string, string> = { '==': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/** Recursive descent over the lambda's body, writing JSONata as it goes. */
class Translator {
  private at = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly arg: string,
  ) {}

  private peek(o = 0): Tok | undefined {
    return this.toks[this.at + o];
  }
  private is(v: string, o = 0): boolean {
    const t = this.peek(o);
    return !!t && (t.t === 'op' || t.t === 'name') && t.v === v;
  }
  private take(v?: string): Tok {
    const t = this.peek();
    if (!t || (v !== undefined && t.v !== v)) throw new LambdaError(`expected \`${v ?? 'more'}\`${t ? `, found \`${t.v}\`` : ' at the end'}`);
    this.at += 1;
    return t;
  }

  whole(): string {
    const out = this.or();
    if (this.peek()) throw new LambdaError(`\`${this.peek()!.v}\` is not supported here`);
    return out;
  }
  private or(): string {
    return this.chain('or', () => this.and());
  }
  private and(): string {
    return this.chain('and', () => this.not());
  }
  /** `a op b op c`, left to right, each pair in parentheses. */
  private chain(op: string, next: () => string): string {
    let out = next();
    while (this.is(op)) {
      this.take();
      out = `(${out} ${op} ${next()})`;
    }
    return out;
  }
  private not(): string {
    if (!this.is('not')) return this.comparison();
    this.take();
    return `$not(${this.not()})`;
  }
  private comparison(): string {
    const left = this.operand();
    const t = this.peek();
    if (t && t.t === 'op' && CMP[t.v]) return (this.take(), `${left} ${CMP[t.v]} ${this.operand()}`);
    if (this.is('is')) {
      this.take();
      const negated = this.is('not') ? (this.take(), true) : false;
      this.take('None');
      // a missing field is None to Python's .get(): absent or null
      return negated ? `($exists(${left}) and ${left} != null)` : `($not($exists(${left})) or ${left} = null)`;
    }
    const negated = this.is('not') && this.is('in', 1);
    if (negated) this.take();
    if (!this.is('in')) return left;
    this.take();
    if (!this.is('[') && !this.is('(')) throw new LambdaError('`in` is translated only with a list or tuple literal on its right');
    const list = `${left} in ${this.operand()}`;
    return negated ? `$not(${list})` : list;
  }
  private operand(): string {
    const t = this.take();
    if (t.t === 'str') return JSON.stringify(t.v);
    if (t.t === 'num') return t.v;
    if (t.t === 'op' && t.v === '-' && this.peek()?.t === 'num') return `-${this.take().v}`;
    if (t.t === 'name' && t.v === this.arg) return this.access();
    if (t.t === 'name') {
      const k = ({ True: 'true', False: 'false', None: 'null' } as Record<string, string>)[t.v];
      if (k) return k;
      throw new LambdaError(`\`${t.v}\` is not supported (calls and other names cannot be translated)`);
    }
    if (t.v === '(') return this.group();
    if (t.v === '[') return `[${this.items(']').join(', ')}]`;
    if (t.v === '{') return this.dict();
    throw new LambdaError(`\`${t.v}\` is not supported`);
  }
  private group(): string {
    const first = this.or();
    if (this.is(')')) return (this.take(), `(${first})`);
    const rest = (this.take(','), this.items(')'));
    return `[${[first, ...rest].join(', ')}]`;
  }
  private items(close: string): string[] {
    const out: string[] = [];
    while (!this.is(close)) {
      out.push(this.or());
      if (!this.is(close)) this.take(',');
    }
    this.take(close);
    return out;
  }
  /** `x["a"]["b"]`, `x.get("a")`: a JSONata path from the record (`$`). */
  private access(): string {
    let out = '$';
    for (;;) {
      if (this.is('[') && this.peek(1)?.t === 'str' && this.is(']', 2)) {
        this.take();
        out += `.${field(this.take().v)}`;
        this.take(']');
      } else if (this.is('.') && this.is('get', 1) && this.is('(', 2) && this.peek(3)?.t === 'str' && this.is(')', 4)) {
        this.at += 3;
        out += `.${field(this.take().v)}`;
        this.take(')');
      } else return out;
    }
  }
  /** `{"k": v}` and `{**x, "k": v}` (the record with keys added or replaced: $merge). */
  private dict(): string {
    let spread = false;
    const pairs: string[] = [];
    while (!this.is('}')) {
      if (this.is('**')) {
        this.take();
        if (this.take().v !== this.arg || pairs.length > 0 || spread) throw new LambdaError(`only \`**${this.arg}\` first in a dict is translated`);
        spread = true;
      } else {
        const key = this.take();
        if (key.t !== 'str') throw new LambdaError('dict keys must be string literals');
        this.take(':');
        pairs.push(`${JSON.stringify(key.v)}: ${this.or()}`);
      }
      if (!this.is('}')) this.take(',');
    }
    this.take('}');
    const obj = `{${pairs.join(', ')}}`;
    return spread ? `$merge([$, ${obj}])` : obj;
  }
}

/** A field name as a JSONata path step (backticks when it is not a plain name). */
function field(name: string): string {
  if (name.includes('`')) throw new LambdaError(`the field name ${JSON.stringify(name)} holds a backtick`);
  return `\`${name}\``;
}

/** `lambda x: <expr>` as a JSONata expression over the record; a LambdaError says what is not supported. */
export function translateLambda(source: string): string {
  const m = /^lambda\s+([A-Za-z_]\w*)\s*:(.*)$/s.exec(source.trim());
  if (!m) throw new LambdaError('only a lambda with one argument is translated');
  return new Translator(tokenize(m[2]), m[1]).whole();
}
