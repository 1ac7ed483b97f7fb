import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { importSourceText } from '../../src/config/import';
import { ConfigError } from '../../src/errors';
import { planSource } from '../../src/plan/plan-source';
import { deep, int, mutate, pick, rng, type Rand } from '../helpers/fuzz';

const SEEDS = path.join(__dirname, '..', 'fixtures', 'seeds');
const TEXTS = readdirSync(SEEDS).sort().map((f) => readFileSync(path.join(SEEDS, f), 'utf8'));
/** Params every seed's placeholders need, so an unmutated seed plans. */
const PARAMS = { account_id: 'a', org_id: 'o', project_id: 'p', job_number: '1', workflow_id: 'w' };
/** Wall-clock bound of one case: import and plan are linear, a case near this is a bug. */
const CASE_MS = 2000;

type Outcome = 'planned' | 'config-error';

/** Runs one case; any error but ConfigError, or a slow case, fails with the case's number. */
function check(id: string, run: () => unknown): Outcome {
  const t0 = performance.now();
  let outcome: Outcome = 'planned';
  try {
    run();
  } catch (err) {
    if (!(err instanceof ConfigError)) {
      throw new Error(`case ${id}: ${(err as Error)?.constructor?.name} instead of ConfigError: ${String((err as Error)?.message ?? err).slice(0, 300)}`, { cause: err });
    }
    if (!err.message || err.message.length > 20_000) throw new Error(`case ${id}: unhelpful message of ${err.message.length} chars`, { cause: err });
    outcome = 'config-error';
  }
  const ms = performance.now() - t0;
  if (ms > CASE_MS) throw new Error(`case ${id}: took ${Math.round(ms)} ms`);
  return outcome;
}

const plan = (raw: unknown) => planSource(raw, PARAMS);
const importAndPlan = (text: string) => plan(importSourceText(text, 'fuzz.md'));

/** Text-level damage: truncation, deleted or inserted runs, swapped brackets and quotes. */
function damage(r: Rand, text: string): string {
  const at = int(r, text.length);
  switch (int(r, 5)) {
    case 0: return text.slice(0, at);
    case 1: return text.slice(0, at) + text.slice(at + 1 + int(r, 40));
    case 2: return text.slice(0, at) + pick(r, ['{', '}', '[', ']', '(', '"', "'", '"""', '#', '//', '/*', '\\', ',', ':', '\u0000', '🦄', 'dlt.secrets[', 'None', '```']) + text.slice(at);
    case 3: return text.replace(/"/g, pick(r, ["'", '', '"""']));
    default: return text.slice(0, at) + text.slice(at).replace(/[{[]/, pick(r, ['(', '}', ']']));
  }
}

/**
 * Hostile configs: a seeded, deterministic fuzz of the seed documents. Every case either plans
 * or is refused with a ConfigError, within a time bound; never a TypeError, a stack overflow or
 * a hang. The seed makes a failure reproducible by its case number.
 */
describe('config fuzz: every malformed config plans or is a ConfigError', () => {
  const seeds = TEXTS.map((t) => importSourceText(t, 'seed.md'));

  test('the unmutated seeds plan', () => {
    for (const s of seeds) expect(check('seed', () => plan(structuredClone(s)))).toBe('planned');
  });

  test('structured mutations of the imported seeds (1200 cases), also as JSON text', () => {
    const r = rng(20240601);
    const outcomes = { planned: 0, 'config-error': 0 };
    for (let i = 0; i < 1200; i++) {
      let cfg = structuredClone(seeds[i % seeds.length]);
      for (let m = 0, n = 1 + int(r, 4); m < n; m++) cfg = mutate(r, cfg);
      outcomes[check(`structured #${i}`, () => plan(cfg))] += 1;
      if (i % 4 === 0) check(`structured-text #${i}`, () => importAndPlan(JSON.stringify(cfg) ?? 'null'));
    }
    // both outcomes occur: the fuzz reaches the planner, not only the validator
    expect(outcomes.planned).toBeGreaterThan(50);
    expect(outcomes['config-error']).toBeGreaterThan(500);
  });

  test('damaged Python/markdown text (800 cases)', () => {
    const r = rng(7);
    for (let i = 0; i < 800; i++) {
      let text = TEXTS[i % TEXTS.length];
      for (let m = 0, n = 1 + int(r, 3); m < n; m++) text = damage(r, text);
      check(`text #${i}`, () => importAndPlan(text));
    }
  });

  test.each([
    ['deep JSON nesting', () => '{"client": ' + '['.repeat(100_000) + ']'.repeat(100_000) + '}'],
    ['deep Python nesting', () => 'rest_api_source(' + '{"a": '.repeat(50_000) + '1' + '}'.repeat(50_000) + ')'],
    // objects: JSON.stringify itself overflows at this depth
    ['deep nesting in a param value', () => ({ client: { base_url: 'https://a.io' }, resources: [{ name: 'r', endpoint: { params: { q: deep(50_000) } } }] })],
    ['deep nesting in json body', () => ({ client: { base_url: 'https://a.io' }, resources: [{ name: 'r', endpoint: { json: deep(50_000) } }] })],
    ['a 20 MB string', () => JSON.stringify({ client: { base_url: 'x'.repeat(20_000_000) }, resources: ['r'] })],
    ['10 000 resources', () => JSON.stringify({ client: { base_url: 'https://a.io' }, resources: Array.from({ length: 10_000 }, (_, i) => `r${i}`) })],
    ['a resource that is its own grandparent', () => JSON.stringify({ client: { base_url: 'https://a.io' }, resources: [{ name: 'a', endpoint: '/a/{resources.b.id}' }, { name: 'b', endpoint: '/b/{resources.a.id}' }] })],
    ['many unclosed markdown fences', () => '```x\n'.repeat(50_000) + 'rest_api_source({})'],
    ['many unterminated strings', () => 'x = "\n'.repeat(50_000)],
    ['placeholders everywhere', () => JSON.stringify({ client: { base_url: 'https://a.io/{a}{b}{c}' }, resources: [{ name: 'r', endpoint: { path: '{'.repeat(10_000) + '}'.repeat(10_000) } }] })],
    ['__proto__ keys', () => '{"client": {"base_url": "https://a.io", "__proto__": {"auth": 1}}, "resources": [{"name": "r", "__proto__": {"x": 1}}], "__proto__": null}'],
  ])('%s', (name, make: () => unknown) => {
    check(name, () => {
      const input = make();
      return typeof input === 'string' ? importAndPlan(input) : plan(input);
    });
    expect(({} as Record<string, unknown>).auth).toBeUndefined(); // no prototype was polluted
  });
});
