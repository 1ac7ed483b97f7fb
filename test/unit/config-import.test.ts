import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importSourceText } from '../../src/config/import';
import { loadSourceFile } from '../../src/config/load';
import { ConfigError } from '../../src/errors';

const SEEDS = path.join(__dirname, '../fixtures/seeds');
const seed = (file: string) => readFileSync(path.join(SEEDS, file), 'utf8');

type Raw = { client: { base_url: string; auth: Record<string, unknown> }; resources: Array<{ name: string; endpoint: Record<string, unknown> }> };

describe('importSourceText: the seed documents as written', () => {
  test.each([
    ['000_8f3139a47463b4a5.txt', 5, { type: 'bearer', token: { $secret: 'api_key' } }],
    ['001_d0b37981d1fe8b98.txt', 9, { type: 'bearer', token: { $secret: 'access_token' } }],
    ['002_a8b8a2912291472b.txt', 3, { type: 'basic', username: { $secret: 'username' }, password: { $secret: 'password' } }],
    ['003_11ef0caf55a031d4.txt', 12, { type: 'api_key', name: 'api_key', api_key: { $secret: 'api_key' }, location: 'header' }],
    ['004_61bb2673330c0b02.txt', 8, { type: 'bearer', token: { $secret: 'access_token' } }],
  ])('%s: %i resources, auth with secret references', (file, count, auth) => {
    const raw = importSourceText(seed(file), file) as Raw;
    expect(raw.client.base_url).toBe('https://api.example.com');
    expect(raw.client.auth).toEqual(auth);
    expect(raw.resources).toHaveLength(count);
  });

  test('seed 001 keeps an empty data_selector list; seed 004 keeps a key-path list and the Airbyte template', () => {
    const s1 = importSourceText(seed('001_d0b37981d1fe8b98.txt'), 's1') as Raw;
    expect(s1.resources.find((r) => r.name === 'deployment_events')?.endpoint.data_selector).toEqual([]);
    const s4 = importSourceText(seed('004_61bb2673330c0b02.txt'), 's4') as Raw;
    expect(s4.resources[2].endpoint).toMatchObject({
      path: "/projects/{{ stream_partition['parent_id'] }}/samples",
      data_selector: ['Response', 'Items'],
    });
  });

  test('seed 002: the `//` comment inside the resources list is skipped', () => {
    const raw = importSourceText(seed('002_a8b8a2912291472b.txt'), 's2') as Raw;
    expect(raw.resources.map((r) => r.name)).toEqual(['projects', 'priorities', 'plans']);
  });
});

describe('importSourceText: accepted forms', () => {
  const expected = { client: { base_url: 'https://x.io/api' }, resources: ['a', 'b'] };
  test.each([
    ['plain JSON', '{"client": {"base_url": "https://x.io/api"}, "resources": ["a", "b"]}'],
    ['JSON with comments and trailing commas', '{\n // c\n "client": {"base_url": "https://x.io/api",}, /* d */ "resources": ["a", "b",],\n}'],
    ['Python dict literal', "{'client': {'base_url': 'https://x.io/api'}, # c\n 'resources': ('a', 'b'),}"],
    ['Python with a JSON-style comment', "{'client': {'base_url': 'https://x.io/api'}, // c\n 'resources': ['a', 'b']}"],
    ['adjacent strings concatenate', "{'client': {'base_url': 'https://x.io' '/api'}, 'resources': ['a', 'b']}"],
    ['.py file with a call', 'import dlt\nsource = rest_api_source({"client": {"base_url": "https://x.io/api"}, "resources": ["a", "b"]}, name="s")\n'],
    ['.py file with config= keyword', 'src = rest_api_source(config={"client": {"base_url": "https://x.io/api"}, "resources": ["a", "b"]})'],
    ['.py file: call with a variable', 'cfg: RESTAPIConfig = {"client": {"base_url": "https://x.io/api"}, "resources": ["a", "b"]}\nx = {"y": 1}\ns = rest_api_source(cfg)'],
    ['.py file: annotated assignment, no call', 'other = {"y": 1}\nconfig: RESTAPIConfig = {"client": {"base_url": "https://x.io/api"}, "resources": ["a", "b"]}'],
    ['.py file: `config = {...}`, no call', '# setup\nconfig = {"client": {"base_url": "https://x.io/api"}, "resources": ["a", "b"]}'],
    ['markdown with a ```json block', "# Title\nIt's a JSON config:\n```json\n{\"client\": {\"base_url\": \"https://x.io/api\"}, \"resources\": [\"a\", \"b\"]}\n```\n"],
    ['markdown with prose apostrophes around the call', "Don't panic.\n```python\ns = rest_api_source({'client': {'base_url': 'https://x.io/api'}, 'resources': ['a', 'b']})\n```\nIt's done."],
  ])('%s', (_name, text) => {
    expect(importSourceText(text, 'cfg')).toEqual(expected);
  });

  test.each([
    ['True/False/None', "{'a': True, 'b': False, 'c': None}", { a: true, b: false, c: null }],
    ['numbers', '{"a": -3, "b": 1_000, "c": 2.5e1, "d": +4}', { a: -3, b: 1000, c: 25, d: 4 }],
    ['dlt.secrets["x"]', '{"t": dlt.secrets["api_key"]}', { t: { $secret: 'api_key' } }],
    ["dlt.secrets['x']", "{'t': dlt.secrets['sources.gh.token']}", { t: { $secret: 'sources.gh.token' } }],
    ['dlt.secrets.value takes its dict key', "{'auth': {'token': dlt.secrets.value}}", { auth: { token: { $secret: 'token' } } }],
    ['dlt.config["x"] is a source param', '{"base_url": dlt.config["base_url"]}', { base_url: { $param: 'base_url' } }],
    ['os.getenv("X") is a secret (env var)', '{"t": os.getenv("GH_TOKEN")}', { t: { $secret: 'GH_TOKEN' } }],
    ['quotes, # and // inside strings', `{'u': "https://a.io/#x", 'v': 'it\\'s', "w": "a // b"}`, { u: 'https://a.io/#x', v: "it's", w: 'a // b' }],
    ['escapes and raw strings', `{'n': 'a\\nb', 'r': r'a\\nb', 'x': '\\x41\\u00e9'}`, { n: 'a\nb', r: 'a\\nb', x: 'Aé' }],
    ['triple-quoted string', "{'q': '''multi\nline'''}", { q: 'multi\nline' }],
    ['the builtin max as last_value_func is its name', "{'incremental': {'cursor_path': 'at', 'last_value_func': max}}", { incremental: { cursor_path: 'at', last_value_func: 'max' } }],
    ['the builtin min as last_value_func is its name', "{'last_value_func': min}", { last_value_func: 'min' }],
    ["a nested_hints tuple path is the nested table's path", "{'nested_hints': {'tags': {}, ('orders', 'items'): {'schema_contract': 'freeze'}}}", { nested_hints: { tags: {}, orders__items: { schema_contract: 'freeze' } } }],
  ])('%s', (_name, text, expected) => {
    expect(importSourceText(text, 'cfg')).toEqual(expected);
  });
});

describe('importSourceText: errors carry the origin line and column', () => {
  test.each([
    ['a variable is not a literal', "{'a': 1,\n 'b': some_var}", 'cfg.py:2:7', 'unsupported Python expression'],
    ['max anywhere but last_value_func is not read', "{'a': max}", 'cfg.py:1:7', 'unsupported Python expression'],
    ['another callable as last_value_func is refused by name', "{'last_value_func': my_func}", 'cfg.py:1:21', 'unsupported last_value_func: only the builtins max and min'],
    ['unterminated string', "{'a': 'oops\n}", 'cfg.py:1:7', 'unterminated string'],
    ['missing comma', "{'a': 1\n 'b': 2}", 'cfg.py:2:2', 'expected `,`'],
    ['trailing garbage', "{'a': 1} extra", 'cfg.py:1:10', 'after the config'],
    ['unterminated dict in a document', '```python\nrest_api_source({"a": 1,\n```', 'cfg.py:3:1', 'expected a key'],
    ['no config in a document', '# Just prose\n', 'cfg.py', 'no rest_api_source'],
    ['a tuple key outside nested_hints', "{'a': {('b', 'c'): 1}}", 'cfg.py:1:8', 'expected a key'],
    ['a nested_hints path of no names', "{'nested_hints': {(1,): {}}}", 'cfg.py:1:19', 'a nested_hints path is a tuple of field names'],
    ['empty text', '   ', 'cfg.py', 'empty'],
  ])('%s', (_name, text, where, message) => {
    let error: unknown;
    try {
      importSourceText(text, 'cfg.py');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).configPath).toContain(where);
    expect((error as ConfigError).message).toContain(message);
  });
});

describe('importSourceText: robustness', () => {
  test.each([
    ['CRLF markdown fences', '# T\r\n```python\r\nrest_api_source({"a": 1})\r\n```\r\n', { a: 1 }],
    ['byte order mark', '\uFEFF{"a": 1}', { a: 1 }],
  ])('%s', (_name, text, expected) => {
    expect(importSourceText(text, 'cfg')).toEqual(expected);
  });

  test('a prototype name is not a Python constant', () => {
    expect(() => importSourceText('{"a": constructor}', 'cfg')).toThrow('unsupported Python expression');
  });
});

describe('loadSourceFile', () => {
  test('reads a file and imports it with the file name as origin', () => {
    const file = path.join(SEEDS, '004_61bb2673330c0b02.txt');
    expect(loadSourceFile(file)).toEqual(importSourceText(seed('004_61bb2673330c0b02.txt'), file));
  });

  test('a missing file is a ConfigError naming it', () => {
    expect(() => loadSourceFile(path.join(SEEDS, 'nope.json'))).toThrow(/nope\.json: cannot read the config file/);
  });
});
