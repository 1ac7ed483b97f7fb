import type { SyncSourceOutput } from '../workflows/types';
import type { RunResult } from './run';
import { seconds } from './progress';

/**
 * The final table of `run`: resources in plan order with rows, pages and the table they landed
 * in, then the totals and the time taken (`401 rows → analytics in 2.3 s`).
 */
export function formatResults(out: SyncSourceOutput & Partial<Pick<RunResult, 'dataset' | 'elapsedMs' | 'tables'>>): string {
  const tables = out.tables ?? {};
  const names = [...Object.keys(tables), ...Object.keys(out.resources).filter((n) => !(n in tables))];
  const where = (n: string) => (out.dataset ? `${out.dataset}.${tables[n] ?? n}` : '');
  const rows = names.map((n) => [n, String(out.resources[n]?.rows ?? 0), String(out.resources[n]?.pages ?? 0), where(n)]);
  const total = Object.values(out.resources).reduce((a, r) => ({ rows: a.rows + r.rows, pages: a.pages + r.pages }), { rows: 0, pages: 0 });
  rows.push(['total', String(total.rows), String(total.pages), '']);
  const w = [0, 1, 2].map((i) => Math.max(['resource', 'rows', 'pages'][i].length, ...rows.map((r) => r[i].length)));
  const line = (c: string[]) => `${c[0].padEnd(w[0])}  ${c[1].padStart(w[1])}  ${c[2].padStart(w[2])}  ${c[3]}`.trimEnd();
  const summary = out.dataset && out.elapsedMs !== undefined ? [`${total.rows} rows → ${out.dataset} in ${seconds(out.elapsedMs)}`] : [];
  return [line(['resource', 'rows', 'pages', out.dataset ? 'table' : '']), ...rows.map(line), ...summary].join('\n');
}
