import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exitCodeOf, UsageError } from '../../src/cli/exit';
import { RunInterrupted } from '../../src/cli/interrupt';
import { recordDev, resolveTarget } from '../../src/cli/target';
import { hintFor, withoutHtml } from '../../src/cli/errors';
import { ConfigError } from '../../src/errors';

describe('the Temporal target of run, status and schedule', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rest-sync-target-'));
  const file = path.join(dir, 'dev.json');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('TEMPORAL_ADDRESS wins over a running rest-sync dev', () => {
    const unrecord = recordDev('127.0.0.1:7999', 'http://localhost:8999', file);
    try {
      expect(resolveTarget({ TEMPORAL_ADDRESS: 'temporal:7233' }, file)).toMatchObject({ via: 'TEMPORAL_ADDRESS', options: { address: 'temporal:7233' } });
      expect(resolveTarget({}, file)).toMatchObject({ via: 'rest-sync dev', options: { address: '127.0.0.1:7999' }, uiUrl: 'http://localhost:8999' });
    } finally {
      unrecord();
    }
    expect(resolveTarget({}, file)).toBeUndefined(); // stopped: its record is gone
  });

  test('the record of a rest-sync dev that died is ignored', () => {
    writeFileSync(file, JSON.stringify({ pid: 2 ** 22 + 12345, address: '127.0.0.1:7999' }));
    expect(resolveTarget({}, file)).toBeUndefined();
  });
});

describe('exit codes and messages', () => {
  test.each([
    ['a config error', 2, new ConfigError('bad', 'resources[0]')],
    ['a usage error', 2, new UsageError('bad flag')],
    ['Ctrl-C', 130, new RunInterrupted('SIGINT', 'interrupted')],
    ['SIGTERM', 143, new RunInterrupted('SIGTERM', 'terminated')],
    ['a failed sync', 1, new Error('sync of x failed')],
  ])('%s exits %i', (_name, code, err) => {
    expect(exitCodeOf(err)).toBe(code);
  });

  test('an HTML page in a message becomes its title', () => {
    expect(withoutHtml('GET /x returned HTTP 502: <html><head><title> Bad\n Gateway </title></head><body>...</body></html>')).toBe(
      'GET /x returned HTTP 502: (HTML page: "Bad Gateway")',
    );
  });

  test('a 401 names each secret and where it was read from', () => {
    const source = { client: { auth: { type: 'bearer', token: { $secret: 'api_key' } } } };
    expect(hintFor('page 1: HTTP 401', source, { SOURCES__API_KEY: 'x' })).toBe('the API refused the credentials: check secret "api_key" (read from env SOURCES__API_KEY)');
    expect(hintFor('page 1: HTTP 500', source)).toBeUndefined();
  });
});
