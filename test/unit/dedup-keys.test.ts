import { distinctKeys } from '../../src/activities/store/dedup';
import { ExactNumber } from '../../src/activities/http/json';

/** When a page may skip its de-duplication step: only when JavaScript's answer is Postgres's. */
describe('distinct primary keys of a page', () => {
  const cols = new Map([['id', 'bigint'], ['name', 'text'], ['at', 'timestamptz'], ['price', 'numeric']]);
  test.each<[string, Record<string, unknown>[], string[], boolean]>([
    ['integer keys, all different', [{ id: 1 }, { id: 2 }, { id: 3 }], ['id'], true],
    ['integer keys, one repeated', [{ id: 1 }, { id: 2 }, { id: 1 }], ['id'], false],
    ['text keys, all different', [{ name: 'a' }, { name: 'A' }], ['name'], true],
    ['a compound key: (1, "1a") and (11, "a") differ', [{ id: 1, name: '1a' }, { id: 11, name: 'a' }], ['id', 'name'], true],
    ['a compound key repeated', [{ id: 1, name: 'a' }, { id: 1, name: 'a' }], ['id', 'name'], false],
    ['a number in a text column: Postgres may see "5" and 5 as one', [{ name: 5 }, { name: 'x' }], ['name'], false],
    ['a timestamp key: two spellings may be one instant', [{ at: '2024-01-01T00:00:00Z' }, { at: '2024-01-01T00:00:00+00:00' }], ['at'], false],
    ['a numeric key column', [{ price: 1 }, { price: 2 }], ['price'], false],
    ['an integer past 2^53', [{ id: new ExactNumber('9007199254740993') }, { id: 1 }], ['id'], false],
    ['one row is distinct whatever its type', [{ at: '2024-01-01T00:00:00Z' }], ['at'], true],
    ['no primary key', [{ id: 1 }, { id: 2 }], [], false],
  ])('%s', (_name, rows, key, expected) => {
    expect(distinctKeys(rows, key, cols)).toBe(expected);
  });
});
