import { ConfigError } from '../../src/errors';
import { DEFAULT_RETRY } from '../../src/plan/hints';
import { planSource } from '../../src/plan/plan-source';

/** A one-resource config whose endpoint has the given error_handler. */
const withHandler = (error_handler: unknown) => ({
  client: { base_url: 'https://api.example.com' },
  resources: [{ name: 'r', endpoint: { path: '/r', error_handler } }],
});
const retryOf = (handler: unknown) => planSource(withHandler(handler), {}).resources[0].retry;

/** error_handler → the resource's Temporal retry policy. */
describe('error_handler retry hints', () => {
  test('initial_interval is seconds before the first retry', () => {
    expect(retryOf({ initial_interval: 0.05 })).toEqual({ ...DEFAULT_RETRY, initialIntervalMs: 50 });
    expect(retryOf({ initial_interval: 2.5, max_retries: 4 })).toEqual({ ...DEFAULT_RETRY, maximumAttempts: 5, initialIntervalMs: 2500 });
  });

  test('without initial_interval the default of one second stays', () => {
    expect(retryOf({ max_retries: 1 }).initialIntervalMs).toBe(1000);
  });

  test('a sub-millisecond interval rounds up to 1 ms (Temporal refuses zero)', () => {
    expect(retryOf({ initial_interval: 0.0001 }).initialIntervalMs).toBe(1);
  });

  test('a backoff_factor below 1 becomes 1 (Temporal refuses a shrinking backoff)', () => {
    expect(retryOf({ backoff_factor: 0.5 }).backoffCoefficient).toBe(1);
    expect(retryOf({ backoff_factor: 3 }).backoffCoefficient).toBe(3);
  });

  test.each([[0], [-1], ['1'], [null]])('initial_interval %p is a ConfigError naming the path', (v) => {
    expect(() => retryOf({ initial_interval: v })).toThrow(ConfigError);
    expect(() => retryOf({ initial_interval: v })).toThrow('resources[0].endpoint.error_handler.initial_interval');
  });
});
