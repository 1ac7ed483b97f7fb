import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { publicToken } from '../../src/activities/http/auth';
import { createSecretResolver, redact } from '../../src/activities/secrets';
import type { AuthSpec } from '../../src/plan/types';

const SECRET = 'k3y"~!(x)\\ y*Z/9';
const esc = (s: string) => JSON.stringify(s).slice(1, -1);

/** redact: every form a secret travels in is scrubbed, also when some code cut it off first. */
describe('redact', () => {
  test.each([
    ['as is', SECRET],
    ['JSON-escaped', esc(SECRET)],
    ['JSON-escaped twice (a message inside JSON)', esc(esc(SECRET))],
    ['JSON-escaped with \\/', esc(SECRET).replace(/\//g, '\\/')],
    ['percent-encoded', encodeURIComponent(SECRET)],
    ['percent-encoded, lower-case hex', encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
    ['form-encoded (URLSearchParams)', new URLSearchParams({ k: SECRET }).toString().slice(2)],
    ['base64', Buffer.from(SECRET).toString('base64')],
    ['base64url', Buffer.from(SECRET).toString('base64url')],
    ['cut after 8 characters', SECRET.slice(0, 8)],
    ['cut after 15 characters', SECRET.slice(0, 15)],
    ['percent-encoded, cut', encodeURIComponent(SECRET).slice(0, 12)],
  ])('%s', (_form, text) => {
    expect(redact(`GET /x?key=${text}`, [SECRET])).toBe('GET /x?key=***');
  });

  const U_SECRET = 'tök<en>&"x/9';
  const uEscape = (s: string, which: RegExp) => esc(s).replace(which, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  test.each([
    ['non-ASCII escaped (ensure_ascii)', uEscape(U_SECRET, /[\u0080-\uffff]/g)],
    ['<, > and & escaped as Go writes JSON', uEscape(U_SECRET, /[<>&\u0080-\uffff]/g)],
    ['every letter escaped, upper-case hex', uEscape(U_SECRET, /[a-z]/g).replace(/\\u00([0-9a-f]{2})/g, (m) => m.toUpperCase().replace('\\U', '\\u'))],
  ])('\\uXXXX-escaped: %s', (_form, text) => {
    expect(text).toContain('\\u');
    expect(redact(`{"echo":"${text}"}`, [U_SECRET])).toBe('{"echo":"***"}');
  });

  test('the Basic credential derived from secrets goes whole, the password in it too', () => {
    const secrets = createSecretResolver({ env: { PASSWORD: 'pw-123' }, secretsFile: '/nonexistent' });
    secrets.resolve('password');
    const pair = Buffer.from('alice:pw-123').toString('base64');
    secrets.remember(pair);
    expect(redact(`Basic ${pair} / pw-123`, secrets.known())).toBe('Basic *** / ***');
  });

  test('values shorter than 3 characters and text without a secret are left alone', () => {
    expect(redact('a ab abc', ['ab'])).toBe('a ab abc');
    expect(redact('nothing to see: k3y"~!', [SECRET])).toBe('nothing to see: k3y"~!');
  });
});

/** The secret lookup follows dlt: env vars by section, then secrets.toml sections, never another source's section. */
describe('secret lookup', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'rest-sync-lookup-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const toml = (text: string) => {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.toml`);
    writeFileSync(file, text);
    return file;
  };

  test.each<[string, Record<string, string>, string, string, string]>([
    ['source env var first', { SOURCES__REST_API__API_KEY: 'a', SOURCES__API_KEY: 'b', API_KEY: 'c' }, 'api_key = "t"', 'api_key', 'a'],
    ['then SOURCES__KEY', { SOURCES__API_KEY: 'b', API_KEY: 'c' }, '', 'api_key', 'b'],
    ['then the plain name', { API_KEY: 'c' }, '[sources.rest_api]\napi_key = "t"', 'api_key', 'c'],
    ['env before secrets.toml', { API_KEY: 'c' }, 'api_key = "t"', 'api_key', 'c'],
    ['[sources.rest_api] first', {}, 'api_key = "top"\n[sources]\napi_key = "s"\n[sources.rest_api]\napi_key = "r"', 'api_key', 'r'],
    ['then [sources]', {}, 'api_key = "top"\n[sources]\napi_key = "s"\n[sources.other]\napi_key = "WRONG"', 'api_key', 's'],
    ['then top level', {}, 'api_key = "top"\n[sources.other]\napi_key = "WRONG"', 'api_key', 'top'],
    ['a dotted name is its full path (env)', { SOURCES__GITHUB__TOKEN: 'g', TOKEN: 'x' }, '', 'sources.github.token', 'g'],
    ['a dotted name is its full path (toml)', {}, 'token = "x"\n[sources.github]\ntoken = "g"', 'sources.github.token', 'g'],
  ])('%s', (_what, env, text, name, expected) => {
    expect(createSecretResolver({ env, secretsFile: toml(text) }).resolve(name)).toBe(expected);
  });

  test.each<[string, string, string, RegExp]>([
    ['only another source has it', '[sources.other]\napi_key = "WRONG"', 'api_key', /\[sources\.other\] api_key is another section, not read/],
    ['missing everywhere', '', 'api_key', /export API_KEY=\.\.\. \(or SOURCES__API_KEY, SOURCES__REST_API__API_KEY\), or set \[sources\.rest_api\] api_key, \[sources\] api_key, api_key \(top level\) in /],
    ['a table, not a value', '[sources.rest_api.api_key]\nx = 1', 'api_key', /\[sources\.rest_api\] api_key is a table, not a secret value/],
    ['a dotted name elsewhere', '[sources.other]\ntoken = "WRONG"', 'sources.github.token', /export SOURCES__GITHUB__TOKEN=\.\.\., or set \[sources\.github\] token in .*\[sources\.other\] token is another section/],
  ])('%s: an error naming where it looked', (_what, text, name, message) => {
    const resolve = () => createSecretResolver({ env: {}, secretsFile: toml(text) }).resolve(name);
    expect(resolve).toThrow(message);
    expect(resolve).not.toThrow(/WRONG/);
  });
});

/** Paginator tokens never hold a secret: the auth param is removed from next links, the request adds it once. */
describe('publicToken', () => {
  const KEY = 'qry K3y~!(q)*';
  const auth: AuthSpec = { type: 'api_key', name: 'api_key', apiKey: { $secret: 'k' }, location: 'query' };
  const q = new URLSearchParams({ api_key: KEY }).toString();
  test.each<[string, unknown, unknown]>([
    ['json_link echoing the key', { url: `https://api.test/items?page=2&${q}` }, { url: 'https://api.test/items?page=2' }],
    ['the key twice, first', { url: `https://api.test/items?${q}&${q}&page=2` }, { url: 'https://api.test/items?page=2' }],
    ['auto token', { mode: 'json_link', url: `https://api.test/items?${q}` }, { mode: 'json_link', url: 'https://api.test/items' }],
    ['another param holding the key', { url: `https://api.test/items?p=2&k=${encodeURIComponent(KEY)}` }, { url: 'https://api.test/items?p=2' }],
    ['user:password in the link', { url: `https://u:${encodeURIComponent(KEY)}@api.test/i?p=2` }, { url: 'https://api.test/i?p=2' }],
    ['other params keep their bytes', { url: 'https://api.test/i?a=b,c&x=%7E' }, { url: 'https://api.test/i?a=b,c&x=%7E' }],
    ['a cursor', { cursor: 'abc' }, { cursor: 'abc' }],
    ['the end', null, null],
  ])('%s', (_what, token, expected) => {
    expect(publicToken(token as never, auth, [KEY])).toEqual(expected);
  });

  test('a secret elsewhere in a token fails the page instead of being stored', () => {
    expect(() => publicToken({ cursor: `x${KEY}` }, auth, [KEY])).toThrow(/next page token holds a secret/);
  });
});

test('a cursor sharing its first characters with a JWT bearer token stays in the token', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
  const cursor = 'eyJhbGciOiJIUzI1NiJ9.eyJwYWdlIjoyfQ';
  const bearer: AuthSpec = { type: 'bearer', token: { $secret: 't' } };
  expect(publicToken({ url: `https://api.test/i?cursor=${cursor}` }, bearer, [jwt])).toEqual({ url: `https://api.test/i?cursor=${cursor}` });
  expect(publicToken({ cursor }, bearer, [jwt])).toEqual({ cursor });
});
