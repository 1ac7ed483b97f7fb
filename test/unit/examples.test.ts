import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importSourceText } from '../../src/config/import';
import { planSource } from '../../src/plan/plan-source';

const ROOT = path.join(__dirname, '..', '..');
const DOCS: Record<string, string> = {
  'seed-000.json': '000_8f3139a47463b4a5.txt',
  'seed-001.json': '001_d0b37981d1fe8b98.txt',
  'seed-002.json': '002_a8b8a2912291472b.txt',
  'seed-003.json': '003_11ef0caf55a031d4.txt',
  'seed-004.json': '004_61bb2673330c0b02.txt',
};
/** What examples/seed-003.json adds: the primary keys the document's resource list names. */
const ADDED_KEYS: Record<string, string> = {
  me: 'analytics_id',
  projects: 'vcs_url',
  jobs: 'number',
  insights_metrics: 'project_id',
  insights_branches: 'project_id',
};

type Config = { resources: Array<{ name: string; primary_key?: string }> };
const example = (file: string) => JSON.parse(readFileSync(path.join(ROOT, 'examples', file), 'utf8')) as Config;
const imported = (file: string) => {
  const doc = path.join(ROOT, 'test', 'fixtures', 'seeds', DOCS[file]);
  return importSourceText(readFileSync(doc, 'utf8'), doc) as Config;
};

/**
 * The examples are the seed documents' configs as JSON: equal to what importing each document
 * gives, so they cannot drift from the documents the tests sync.
 */
describe('examples/*.json', () => {
  test.each(['seed-000.json', 'seed-001.json', 'seed-002.json', 'seed-004.json'])('%s equals the import of its document', (file) => {
    expect(example(file)).toEqual(imported(file));
  });

  test('seed-003.json is the import of its document plus the primary keys the document lists', () => {
    const ex = example('seed-003.json');
    const added = Object.fromEntries(ex.resources.filter((r) => r.primary_key !== undefined).map((r) => [r.name, r.primary_key]));
    expect(added).toEqual(ADDED_KEYS);
    const stripped = { ...ex, resources: ex.resources.map(({ primary_key: _pk, ...rest }) => rest) };
    expect(stripped).toEqual(imported('seed-003.json'));
  });

  test('seed-003.json plans with those keys, and workflow_jobs as a child of workflow', () => {
    const params = { org_id: 'o', project_id: 'p', job_number: '1', workflow_id: 'w' };
    const plan = planSource(example('seed-003.json'), params);
    const keys = Object.fromEntries(plan.resources.map((r) => [r.name, r.primaryKey]));
    for (const [name, key] of Object.entries(ADDED_KEYS)) expect(keys[name]).toEqual([key]);
    expect(keys.context).toEqual(['id']);
    expect(plan.resources.find((r) => r.name === 'workflow_jobs')?.parent).toMatchObject({ resource: 'workflow', fields: [{ field: 'id' }] });
  });
});
