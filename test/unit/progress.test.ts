import { renderFrame } from '../../src/cli/progress';

describe('progress display', () => {
  test.each([
    ['a resource not started yet waits', [], 'users     waiting'],
    ['a running resource shows its rate', [{ resource: 'users', pages: 3, rows: 300, done: false }], 'users           300 rows       3 pages  150 rows/s'],
    ['a finished resource says done', [{ resource: 'users', pages: 4, rows: 301, done: true }], 'users           301 rows       4 pages  done'],
  ])('%s', (_name, rows, line) => {
    expect(renderFrame(rows, new Map([['users', 150]]), ['users'])).toEqual([line]);
  });

  test('one line per resource, in plan order', () => {
    const frame = renderFrame([{ resource: 'b', pages: 1, rows: 1, done: true }], new Map(), ['a', 'b']);
    expect(frame.map((l) => l.split(' ')[0])).toEqual(['a', 'b']);
  });
});
