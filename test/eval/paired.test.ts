import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireSharedData } from '../helpers/shared-data.ts';
import { DEV_SUBDIR } from '../../src/data/paths.ts';
import { clusterBootstrapMean, modelVsBaselines, pairedDifferences } from '../../src/eval/paired.ts';
import { boxCrossMethod, type Method } from '../../src/eval/baselines/index.ts';
import { evaluateFolder } from '../../src/eval/run.ts';
import { writeReport } from '../../src/eval/report.ts';
import { boxCross } from '../../src/geometry/box.ts';

test('clusterBootstrapMean: seeded, collapses on constant values, and widens when values come in clusters', () => {
  assert.deepEqual(clusterBootstrapMean([2, 2, 2, 2], ['a', 'a', 'b', 'c']), [2, 2]);
  // 10 patients with 5 identical lesions each: 10 independent values, not 50.
  const values = Array.from({ length: 50 }, (_, i) => Math.sin(Math.floor(i / 5) * 12.9898) * 3);
  const byPatient = values.map((_, i) => `p${Math.floor(i / 5)}`), byLesion = values.map((_, i) => `l${i}`);
  const [lo, hi] = clusterBootstrapMean(values, byPatient);
  assert.deepEqual(clusterBootstrapMean(values, byPatient), [lo, hi], 'repeats');
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  assert.ok(lo < mean && mean < hi);
  const [llo, lhi] = clusterBootstrapMean(values, byLesion);
  assert.ok(hi - lo > 1.6 * (lhi - llo), `patient interval ${hi - lo} vs lesion interval ${lhi - llo}`);
  assert.throws(() => clusterBootstrapMean([1, 2], ['a']), /2 values but 1 cluster labels/);
  assert.ok(clusterBootstrapMean([], []).every(Number.isNaN));
});

test('real dev set: a model that is box-cross moved 6 px right is worse on location with an interval above 0; box-cross itself ties; the report shows both', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const moved = (name: string, dx: number): Method => ({
    name, kind: 'model',
    predict: async (_slice, box) => {
      const r = boxCross(box);
      const m = (p: { x: number; y: number }) => ({ x: p.x + dx, y: p.y });
      return { recist: { long: [m(r.long[0]), m(r.long[1])], short: [m(r.short[0]), m(r.short[1])] }, uncertainty: 0.5 };
    },
  });
  const result = await evaluateFolder({ dir: join(shared, DEV_SUBDIR), seeds: [0], methods: [boxCrossMethod, moved('moved', 6), moved('same', 0)] });
  const worse = pairedDifferences(result, 'moved', 'box-cross');
  assert.deepEqual(worse.map((d) => d.figure), ['long loc', 'long len', 'short loc', 'short len']);
  const loc = worse[0];
  assert.equal(loc.n, 24);
  assert.ok(loc.patients < loc.n && loc.patients > 1, `${loc.patients} patients`);
  assert.ok(loc.meanDiff > 1 && loc.interval[0] > 0, `moved: ${loc.meanDiff} [${loc.interval}]`);
  assert.ok(loc.betterShare < 0.2);
  assert.ok(Math.abs(loc.meanDiff - (loc.methodMean - loc.baselineMean)) < 1e-9);
  assert.ok(Math.abs(worse[1].meanDiff) < 1e-9, 'a shift keeps the lengths');
  for (const d of pairedDifferences(result, 'same', 'box-cross')) assert.deepEqual([d.meanDiff, ...d.interval, d.betterShare], [0, 0, 0, 0]);
  assert.deepEqual(pairedDifferences(result, 'moved', 'no such method'), []);
  assert.equal(modelVsBaselines(result).length, 8, 'two models × one baseline × four figures');
  const dir = mkdtempSync(join(tmpdir(), 'recist-paired-report-'));
  try {
    const { markdown } = writeReport(result, dir, { worstCount: 0 });
    assert.match(markdown, /## Is the lead over the baselines real\?/);
    assert.match(markdown, /\| moved \| box-cross \| long loc \| 24 \(\d+\) \| [\d.]+ \| [\d.]+ \| [\d.]+ \[[\d.]+, [\d.]+\] \| \+\d+ % \| \d+ % \|/);
    assert.match(readFileSync(join(dir, 'paired.csv'), 'utf8'), /^method,baseline,reader,figure,n,patients,/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
