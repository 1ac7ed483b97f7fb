import { Writable } from 'node:stream';
import { fit, redraw, renderFrame, type FrameContext } from '../../src/cli/progress';
import { formatResults } from '../../src/cli/results';

const ctx = (over: Partial<FrameContext> = {}): FrameContext => ({ rates: new Map(), order: ['users'], elapsedMs: 2300, ...over });

describe('progress display', () => {
  test.each([
    ['a resource not started yet waits', [], {}, 'users     waiting'],
    ['a running resource without a measured rate says running, not 0 rows/s', [{ resource: 'users', pages: 1, rows: 100, done: false }], {}, 'users           100 rows       1 pages  running'],
    ['a running resource shows its rate', [{ resource: 'users', pages: 3, rows: 300, done: false }], { rates: new Map([['users', 150]]) }, 'users           300 rows       3 pages  150 rows/s'],
    [
      'a known total gives an ETA',
      [{ resource: 'users', pages: 3, rows: 300, done: false }],
      { rates: new Map([['users', 100]]), expected: new Map([['users', 1000]]) },
      'users           300 rows       3 pages  100 rows/s, ETA 7.0 s',
    ],
    ['a finished resource says done', [{ resource: 'users', pages: 4, rows: 301, done: true }], {}, 'users           301 rows       4 pages  done'],
  ])('%s', (_name, rows, over, line) => {
    expect(renderFrame(rows, ctx(over))).toEqual(['elapsed 2.3 s', line]);
  });

  test('the elapsed time, then one line per resource in plan order', () => {
    const frame = renderFrame([{ resource: 'b', pages: 1, rows: 1, done: true }], ctx({ order: ['a', 'b'], elapsedMs: 61_000 }));
    expect(frame[0]).toBe('elapsed 1 min 1 s');
    expect(frame.slice(1).map((l) => l.split(' ')[0])).toEqual(['a', 'b']);
  });

  test('wide characters count two columns when a line is cut', () => {
    expect(fit('ab日本語', 5)).toBe('ab日…');
    expect(fit('short', 40)).toBe('short');
  });
});

const ESC = String.fromCharCode(27);

/** A fake terminal: what was written, and its width. */
function terminal(columns: number) {
  let text = '';
  const out = new Writable({ write: (chunk, _enc, done) => ((text += chunk.toString()), done()) }) as Writable & { columns: number };
  out.columns = columns;
  return { out, text: () => text };
}

describe.each([40, 120])('redraw on a %i-column terminal', (columns) => {
  const frames = [1, 2, 3].map((i) =>
    renderFrame([{ resource: 'a_resource_with_a_long_name', pages: i, rows: i * 100, done: i === 3 }], ctx({ order: ['a_resource_with_a_long_name', 'documents'] })),
  );

  test('no line is wider than the terminal, and each redraw goes back exactly over the last frame', () => {
    const t = terminal(columns);
    let drawn = 0;
    for (const f of frames) drawn = redraw(t.out, drawn, f);
    const writes = t.text().split('\x1b[J');
    // the first frame starts at the cursor; every later one moves up over the 3 lines drawn, then clears below
    expect(writes[0]).toBe('');
    expect(writes.slice(0, -1).slice(1).every((w) => w.endsWith('\x1b[3A\r'))).toBe(true);
    const lines = writes.at(-1)!.split('\n').slice(0, -1);
    expect(lines).toHaveLength(3);
    for (const l of t.text().replace(new RegExp(`${ESC}\\[\\d*[AJ]\\r?`, 'g'), '').split('\n')) expect(l.length).toBeLessThan(columns);
    expect(lines[1]).toContain(columns >= 80 ? 'done' : 'a_resource_with_a_long_name');
    expect(lines[2]).toMatch(/^documents\s+waiting$/);
  });
});

describe('the final table', () => {
  test('plan order, totals, destination and time', () => {
    const text = formatResults({
      syncId: 's',
      dataset: 'analytics',
      elapsedMs: 2300,
      tables: { users: 'users', runs: 'runs' },
      resources: { runs: { rows: 401, pages: 5 }, users: { rows: 2, pages: 1 } },
    });
    expect(text.split('\n')).toEqual([
      'resource  rows  pages  table',
      'users        2      1  analytics.users',
      'runs       401      5  analytics.runs',
      'total      403      6',
      '403 rows → analytics in 2.3 s',
    ]);
  });
});
