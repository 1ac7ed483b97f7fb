import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

/**
 * The layering rules, checked over the sources (a lint that runs with the suite): imports flow
 * config → plan → workflows → activities → operations, and workflow code imports activity types only
 * (anything else would pull I/O into the deterministic sandbox).
 */
const SRC = path.join(__dirname, '..', '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

interface Import {
  file: string;
  target: string;
  typeOnly: boolean;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)) {
    const spec = m[3];
    const target = spec.startsWith('.') ? path.relative(SRC, path.resolve(path.dirname(file), spec)) : spec;
    out.push({ file: path.relative(SRC, file), target, typeOnly: !!m[2] });
  }
  return out;
}

const all = files(SRC).flatMap(importsOf);
const layer = (p: string) => p.split(path.sep)[0];

describe('layering', () => {
  test.each([
    ['config', ['activities', 'workflows', 'plan', 'cli', 'infra', 'demo', 'worker']],
    ['plan', ['activities', 'workflows', 'cli', 'infra', 'demo', 'worker']],
    ['workflows', ['cli', 'infra', 'demo', 'worker']],
    ['activities', ['workflows', 'cli', 'demo', 'worker']],
  ])('%s imports none of %p', (from, forbidden) => {
    const bad = all.filter((i) => layer(i.file) === from && forbidden.includes(layer(i.target)) && !i.typeOnly);
    expect(bad).toEqual([]);
  });

  test('workflows import activities as types only', () => {
    const bad = all.filter((i) => layer(i.file) === 'workflows' && layer(i.target) === 'activities' && !i.typeOnly);
    expect(bad).toEqual([]);
  });

  test('config and plan use no Node built-ins (except config/load.ts)', () => {
    const bad = all.filter(
      (i) => ['config', 'plan'].includes(layer(i.file)) && i.target.startsWith('node:') && i.file !== path.join('config', 'load.ts'),
    );
    expect(bad).toEqual([]);
  });

  test('shipped code needs production dependencies only (the worker image installs no devDependency)', () => {
    const pkg = JSON.parse(readFileSync(path.join(SRC, '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
    const bad = all.filter((i) => !i.typeOnly && !i.target.startsWith('node:') && !/^(activities|workflows|plan|config|cli|infra|demo|bench|parity|errors|worker)/.test(i.target))
      .filter((i) => !(packageOf(i.target) in pkg.dependencies) && !builtins.has(i.target));
    expect(bad).toEqual([]);
  });

  test('the checker sees imports', () => {
    expect(all.some((i) => i.file === path.join('workflows', 'sync-source.ts') && i.target === 'activities' && i.typeOnly)).toBe(true);
  });
});
