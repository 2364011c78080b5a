/**
 * One markdown table from several `recist eval` reports made on the same lesions under different rough-box protocols
 * (`--box-area`, `--box-shape`): per protocol and method (and extra reader), the long/short-axis location and length
 * errors vs the folder's marks (DL; px) and the median signed relative long-length error.
 *
 *   npx tsx scripts/box-protocol-table.ts NAME=reports/dir ... > table.md
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

const args = process.argv.slice(2);
if (args.length === 0) throw new Error('usage: box-protocol-table.ts NAME=REPORT_DIR ...');
const out = ['| box protocol | method | long Loc. px | long Len. px | short Loc. px | short Len. px | median rel. long len. |', '|---|---|---|---|---|---|---|'];
for (const arg of args) {
  const [name, dir] = arg.split('=');
  if (!name || !dir) throw new Error(`${arg}: expected NAME=REPORT_DIR`);
  // Every row against the folder's own marks (DL; the truth on synthetic folders).
  const rows = (parse(readFileSync(join(dir, 'summary.csv'), 'utf8'), { columns: true }) as Record<string, string>[]).filter((r) => r.reference === 'DL');
  const methods = [...new Set(rows.map((r) => r.row))];
  for (const m of methods) {
    const get = (axis: string) => rows.find((r) => r.row === m && r.axis === axis);
    const l = get('long'), s = get('short');
    if (!l || !s) continue;
    const f = (v: string) => Number(v).toFixed(2);
    out.push(`| ${name} | ${m} | ${f(l.loc_px_mean)} | ${f(l.len_px_mean)} | ${f(s.loc_px_mean)} | ${f(s.len_px_mean)} | ${Number(l.rel_len_pct_median).toFixed(1)} % |`);
  }
}
console.log(out.join('\n'));
