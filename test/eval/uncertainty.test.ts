import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireSharedData } from '../helpers/shared-data.ts';
import { DEV_SUBDIR } from '../../src/data/paths.ts';
import { averageRanks, spearman, spearmanInterval, uncertaintyVsError } from '../../src/eval/uncertainty.ts';
import { boxCrossMethod, type Method } from '../../src/eval/baselines/index.ts';
import { evaluateFolder } from '../../src/eval/run.ts';
import { writeReport } from '../../src/eval/report.ts';
import { boxCross } from '../../src/geometry/box.ts';
import { hash32 } from '../../src/geometry/random.ts';
import { segmentLength } from '../../src/geometry/recist.ts';

test('averageRanks gives ties their mean rank; spearman is 1 for any increasing relation, −1 decreasing, NaN when constant', () => {
  assert.deepEqual(averageRanks([3, 1, 3, 2]), [3.5, 1, 3.5, 2]);
  assert.equal(spearman([1, 2, 3, 4, 5], [1, 8, 27, 64, 125]), 1);
  assert.equal(spearman([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]), -1);
  assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) - 0.8) < 1e-12, '1 − 6·Σd²/(n(n²−1)) = 0.8');
  assert.ok(Number.isNaN(spearman([1, 2, 3], [7, 7, 7])));
  assert.ok(Number.isNaN(spearman([1, 2], [1, 2])));
  assert.throws(() => spearman([1, 2, 3], [1, 2]), /3 x values but 2 y values/);
});

test('spearmanInterval: seeded (repeats), brackets the estimate, and excludes 0 only for a clear relation', () => {
  const x = Array.from({ length: 30 }, (_, i) => i);
  const strong = x.map((v) => v + 4 * Math.sin(v * 12.9898));
  const noise = x.map((v) => Math.sin(v * 78.233) * 43758.5453 % 1);
  const [lo, hi] = spearmanInterval(x, strong);
  assert.deepEqual(spearmanInterval(x, strong), [lo, hi]);
  assert.ok(lo <= spearman(x, strong) && spearman(x, strong) <= hi);
  assert.ok(lo > 0.5, `strong relation: ${lo}`);
  const [nlo, nhi] = spearmanInterval(x, noise);
  assert.ok(nlo < 0 && nhi > 0, `no relation: [${nlo}, ${nhi}]`);
});

test('real dev set: the uncertainty check ranks an uncertainty that tracks the error (ρ ≈ 1) above one that does not, and the report shows it', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  // A box-cross whose centre is pushed right by a lesion-dependent amount; one method reports that amount as its
  // uncertainty, the other a number unrelated to it.
  // The shift (0–30 px) dwarfs box-cross's own error (about 4 px), so the error follows it.
  const shift = (box: { x1: number }) => (hash32(`${box.x1.toFixed(3)}`) % 3000) / 100;
  const shifted = (name: string, uncertainty: (s: number, box: { x1: number }) => number): Method => ({
    name, kind: 'model',
    predict: async (_slice, box) => {
      const s = shift(box);
      const r = boxCross(box);
      const move = (p: { x: number; y: number }) => ({ x: p.x + s, y: p.y });
      return { recist: { long: [move(r.long[0]), move(r.long[1])], short: [move(r.short[0]), move(r.short[1])] }, uncertainty: uncertainty(s, box) };
    },
  });
  const result = await evaluateFolder({
    dir: join(shared, DEV_SUBDIR), seeds: [0],
    methods: [boxCrossMethod, shifted('tracks', (s) => s), shifted('unrelated', (_s, box) => (hash32(`u${box.x1}`) % 997) / 997)],
  });
  assert.equal(uncertaintyVsError(result, 'box-cross'), null, 'the baselines report no uncertainty');
  const tracks = uncertaintyVsError(result, 'tracks')!, unrelated = uncertaintyVsError(result, 'unrelated')!;
  assert.equal(tracks.n, 24);
  assert.ok(tracks.rho > 0.8, `tracks: ρ ${tracks.rho}`);
  assert.ok(tracks.errorMostUncertainThird > tracks.errorLeastUncertainThird);
  assert.ok(tracks.interval[0] > 0.5);
  assert.ok(unrelated.rho < tracks.rho - 0.3, `unrelated: ρ ${unrelated.rho}`);
  const px = uncertaintyVsError(result, 'tracks', 'entropy-px')!;
  const first = px.points[0], pred = result.predictions.tracks[first.id][0];
  assert.ok(Math.abs(first.uncertainty - pred.uncertainty! * segmentLength(pred.recist.long)) < 1e-9, 'entropy-px = uncertainty × proposed long axis (px)');
  assert.deepEqual(px.points.map((p) => p.errorPx), tracks.points.map((p) => p.errorPx), 'same errors, another score');
  const dir = mkdtempSync(join(tmpdir(), 'recist-uncertainty-report-'));
  try {
    const { markdown } = writeReport(result, dir, { worstCount: 0 });
    assert.match(markdown, /## Does the uncertainty find the bad proposals\?/);
    assert.match(markdown, /\| tracks \| entropy \| 24 \| 0\.\d+ \[/);
    assert.match(markdown, /\| tracks \| entropy-px \| 24 \| /);
    assert.ok(!/\| box-cross \| 24 \| /.test(markdown.split('## Does the uncertainty')[1].split('## Plots')[0]), 'no row for a baseline');
    for (const score of ['entropy', 'entropy-px']) assert.match(readFileSync(join(dir, 'plots', `error-vs-${score}-long.svg`), 'utf8'), /Spearman ρ/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
