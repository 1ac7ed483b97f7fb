import { isDbUnavailable, whileDbDown } from '../../src/activities/db-outage';
import { createSecretResolver, redact } from '../../src/activities/secrets';
import { HttpRetriableError } from '../../src/errors';

/** redact: a secret is scrubbed in every form a URL or header carries it. */
describe('redact', () => {
  const secret = 'k3y~!(x) y*Z';
  test.each([
    ['as is', secret],
    ['percent-encoded', encodeURIComponent(secret)],
    ['form-encoded (URLSearchParams)', new URLSearchParams({ k: secret }).toString().slice(2)],
    ['base64', Buffer.from(secret).toString('base64')],
  ])('%s', (_form, text) => {
    expect(redact(`GET /x?key=${text} failed`, [secret])).toBe('GET /x?key=*** failed');
  });

  test('values derived from secrets are remembered and scrubbed too', () => {
    const secrets = createSecretResolver({ env: { PASSWORD: 'pw-123' }, secretsFile: '/nonexistent' });
    secrets.resolve('password');
    secrets.remember('YWxpY2U6cHctMTIz');
    expect(redact('Basic YWxpY2U6cHctMTIz / pw-123', secrets.known())).toBe('Basic *** / ***');
  });
});

/** A Postgres outage is waited out inside the activity; other errors pass through at once. */
describe('whileDbDown', () => {
  test.each([
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), true],
    [Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), true],
    [Object.assign(new Error('the database system is starting up'), { code: '57P03' }), true],
    [new Error('Connection terminated unexpectedly'), true],
    [Object.assign(new Error('Knex: Timeout acquiring a connection'), { name: 'KnexTimeoutError' }), false],
    [Object.assign(new Error('duplicate key value'), { code: '23505' }), false],
    [Object.assign(new Error('canceling statement'), { code: '57014' }), false],
    [new HttpRetriableError('request failed: ECONNRESET'), false],
    [Object.assign(new Error('connect ECONNREFUSED (token endpoint)'), { code: 'ECONNREFUSED', isAxiosError: true }), false],
  ])('%p unavailable: %p', (err, expected) => {
    expect(isDbUnavailable(err)).toBe(expected);
  });

  test('runs the body again until Postgres answers', async () => {
    let calls = 0;
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const out = await whileDbDown(async () => {
      calls += 1;
      if (calls < 3) throw down;
      return 'ok';
    }, 10_000);
    expect(out).toBe('ok');
    expect(calls).toBe(3);
  }, 10_000);

  test('gives up after its budget, and never retries other errors', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await expect(whileDbDown(() => Promise.reject(down), 500)).rejects.toBe(down);
    let calls = 0;
    const bad = new Error('syntax error');
    await expect(whileDbDown(() => (calls++, Promise.reject(bad)), 10_000)).rejects.toBe(bad);
    expect(calls).toBe(1);
  });
});
