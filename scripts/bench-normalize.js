#!/usr/bin/env node
/**
 * Row preparation alone, in process (npm run build first): flat pages through prepareRows (what
 * earlier versions did) and through normalizePage (the same plus `_dlt_id`), and nested pages
 * through normalizePage with dlt's relational layout and with max_table_nesting 0. Best of 8
 * rounds of vetted pages of 1000 records. Figures: BENCHMARKS.md › Nested data.
 */
const path = require('path');
const dist = path.join(__dirname, '..', 'dist', 'activities');
const json = require(path.join(dist, 'http/json.js'));
const { NameCache } = require(path.join(dist, 'store/names.js'));
const { prepareRows } = require(path.join(dist, 'store/rows.js'));
const { normalizePage } = require(path.join(dist, 'store/relational.js'));

const flat = (i) => ({ id: i, name: `item ${i}`, value: i * 1.5, createdAt: '2024-01-01T00:00:00Z', active: i % 2 === 0, score: i % 97, city: 'Berlin', zip: '10115', country: 'DE', note: null });
const nested = (i) => ({ id: i, name: `item ${i}`, address: { city: 'Berlin', geo: { lat: 1.5, lng: 2 } }, tags: ['a', 'b', 'c'] });
const pagesOf = (make, n) => Array.from({ length: n }, (_, p) => JSON.stringify({ data: Array.from({ length: 1000 }, (_, j) => make(p * 1000 + j)) }));

function best(texts, run) {
  let ms = Infinity;
  for (let round = 0; round < 8; round++) {
    const pages = texts.map((t) => { const b = json.parseJsonBody(t); json.shareVetted(b, b.data); return b.data; });
    const names = new NameCache();
    const t0 = process.hrtime.bigint();
    for (const records of pages) run(records, names);
    ms = Math.min(ms, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return ms;
}

const base = (names) => ({ primaryKey: ['id'], dedupe: true, where: 'bench', names, table: 'items', rootKey: true });
for (const [kind, make, n] of [['flat (10 fields)', flat, 100], ['nested (2-level object, list of 3)', nested, 20]]) {
  const texts = pagesOf(make, n);
  const rate = (ms) => `${ms.toFixed(0)} ms, ${Math.round((n * 1000) / ms)} k records/s`;
  console.log(`${n}k ${kind} records, merge:`);
  console.log(`  prepareRows (earlier versions)      ${rate(best(texts, (r, names) => prepareRows(r, base(names))))}`);
  console.log(`  normalizePage, max_table_nesting 0  ${rate(best(texts, (r, names) => normalizePage(r, { ...base(names), maxNesting: 0 })))}`);
  console.log(`  normalizePage, dlt default          ${rate(best(texts, (r, names) => normalizePage(r, base(names))))}`);
}
