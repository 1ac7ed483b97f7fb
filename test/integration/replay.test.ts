import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';

const DIR = path.join(__dirname, '..', 'fixtures', 'histories');

/**
 * Recorded histories of real syncs, replayed against today's workflow code: a change that would
 * break running workflows (non-determinism) fails here. Re-record with REST_SYNC_RECORD_HISTORIES=1.
 */
describe('replay of recorded workflow histories', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

  test('there are recorded histories of syncSource and syncResource', () => {
    expect(files.some((f) => f.startsWith('syncSource'))).toBe(true);
    expect(files.some((f) => f.startsWith('syncResource'))).toBe(true);
  });

  test.each(files)('%s replays without nondeterminism', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(DIR, file), 'utf8')));
    const code = readFileSync(process.env.REST_SYNC_TEST_BUNDLE!, 'utf8');
    await Worker.runReplayHistory({ workflowBundle: { code } }, history, file);
  });
});
