import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Recist } from '../../src/geometry/types.ts';
import { blandAltman, blandAltmanPercent, compareAxis, compareRecist, endpointLocationDifference, formatMeanStd, formatSig, meanComparison, summarize, summarizeBy } from '../../src/eval/metrics.ts';

const close = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

const mark: Recist = { long: [{ x: 10, y: 20 }, { x: 50, y: 20 }], short: [{ x: 30, y: 10 }, { x: 30, y: 30 }] };

test('swapping endpoint order gives location difference 0', () => {
  const swapped: Recist = { long: [mark.long[1], mark.long[0]], short: [mark.short[1], mark.short[0]] };
  const c = compareRecist(swapped, mark, { x: 0.8, y: 0.8 });
  assert.equal(c.long.locPx, 0);
  assert.equal(c.short.locPx, 0);
  assert.equal(c.long.lenPx, 0);
  assert.equal(c.long.locMm, 0);
});

test('a 1 px shift of both endpoints gives 1 px, any direction', () => {
  for (const [dx, dy] of [[1, 0], [0, 1], [Math.SQRT1_2, Math.SQRT1_2], [-0.6, 0.8]]) {
    const shifted: Recist = {
      long: [{ x: 10 + dx, y: 20 + dy }, { x: 50 + dx, y: 20 + dy }],
      short: [{ x: 30 + dx, y: 10 + dy }, { x: 30 + dx, y: 30 + dy }],
    };
    const c = compareRecist(shifted, mark, null);
    close(c.long.locPx, 1);
    close(c.short.locPx, 1);
    close(c.long.lenPx, 0);
    assert.equal(c.long.locMm, null);
  }
  // Only one endpoint moved by 2 px: mean over the two endpoints = 1.
  close(endpointLocationDifference([{ x: 10, y: 22 }, { x: 50, y: 20 }], mark.long), 1);
});

test('mm = px x spacing; signed and relative length differences', () => {
  const a: Recist = { long: [{ x: 10, y: 20 }, { x: 60, y: 20 }], short: [{ x: 30, y: 12 }, { x: 30, y: 30 }] };
  const c = compareRecist(a, mark, { x: 0.7, y: 0.7 });
  close(c.long.lenPx, 10);
  close(c.long.signedLenPx, 10);
  close(c.long.lenMm as number, 7);
  close(c.long.locPx, 5);
  close(c.long.locMm as number, 3.5);
  close(c.long.relLenPct, 25); // (50 - 40) / 40
  close(c.short.signedLenPx, -2);
  close(c.short.relLenPct, -10); // (18 - 20) / 20
  close(c.short.lenMm as number, 1.4);
  // Anisotropic spacing scales each component.
  const ax = compareAxis([{ x: 0, y: 0 }, { x: 3, y: 4 }], [{ x: 0, y: 0 }, { x: 0, y: 0 }], { x: 2, y: 1 });
  close(ax.lenAMm as number, Math.hypot(6, 4));
});

test('summarize: mean, sample std, median, n; NaN/null dropped', () => {
  const s = summarize([2, 4, 4, 4, 5, 5, 7, 9, Number.NaN, null]);
  close(s.mean, 5);
  close(s.std, Math.sqrt(32 / 7));
  close(s.median, 4.5);
  assert.equal(s.n, 8);
  assert.equal(summarize([]).n, 0);
});

test('Bland-Altman on a constructed set: exact bias and limits', () => {
  // differences a - b = [1, 3, 1, 3] → bias 2, sample sd = sqrt(4/3)
  const b = [10, 20, 30, 40];
  const a = [11, 23, 31, 43];
  const ba = blandAltman(a, b);
  close(ba.bias, 2);
  close(ba.sd, Math.sqrt(4 / 3));
  close(ba.lower, 2 - 1.96 * Math.sqrt(4 / 3));
  close(ba.upper, 2 + 1.96 * Math.sqrt(4 / 3));
  assert.deepEqual(ba.points[0], { mean: 10.5, diff: 1 });
  // percent: a = 1.1 b exactly → 100·0.1b/(1.05b) for every pair, sd 0.
  const p = blandAltmanPercent(b.map((x) => 1.1 * x), b);
  close(p.bias, 100 * 0.1 / 1.05, 1e-9);
  close(p.sd, 0, 1e-9);
  assert.throws(() => blandAltman([1], [1, 2]), /pairs/);
});

test('per-type breakdown and averaging over seeds', () => {
  const items = [{ t: 'liver', v: 1 }, { t: 'lung', v: 4 }, { t: 'liver', v: 3 }];
  const m = summarizeBy(items, (i) => i.t, (i) => i.v);
  assert.deepEqual([...m.keys()], ['liver', 'lung']);
  close(m.get('liver')!.mean, 2);
  const c1 = compareRecist(mark, mark, { x: 1, y: 1 });
  const shifted: Recist = { long: [{ x: 12, y: 20 }, { x: 52, y: 20 }], short: mark.short };
  const c2 = compareRecist(shifted, mark, { x: 1, y: 1 });
  close(meanComparison([c1, c2]).long.locPx, 1);
});

test('formatting matches the paper (3 significant digits)', () => {
  assert.equal(formatSig(8.1600001), '8.16');
  assert.equal(formatSig(10.2), '10.2');
  assert.equal(formatSig(9.999), '10.0');
  assert.equal(formatSig(0.5), '0.500');
  assert.equal(formatSig(123.4), '123');
  assert.equal(formatMeanStd({ mean: 8.16, std: 10.2 }), '8.16±10.2');
});

test('position vs orientation: midpoint distance and axis angle on hand-made cases', () => {
  const swapped: Recist = { long: [mark.long[1], mark.long[0]], short: [mark.short[1], mark.short[0]] };
  const c0 = compareRecist(swapped, mark, null);
  assert.equal(c0.long.centrePx, 0);
  assert.equal(c0.long.angleDeg, 0);
  const shifted = compareAxis([{ x: 13, y: 24 }, { x: 53, y: 24 }], mark.long, null);
  close(shifted.centrePx, 5);
  close(shifted.angleDeg, 0);
  // the long axis rotated 30° about its midpoint (30, 20): same centre, 30°; 150° reads as 30°; 90° is the maximum
  const rot = (deg: number) => {
    const t = (deg * Math.PI) / 180;
    return [{ x: 30 - 20 * Math.cos(t), y: 20 - 20 * Math.sin(t) }, { x: 30 + 20 * Math.cos(t), y: 20 + 20 * Math.sin(t) }] as const;
  };
  for (const [deg, want] of [[30, 30], [150, 30], [90, 90], [-60, 60]]) {
    const c = compareAxis([rot(deg)[0], rot(deg)[1]], mark.long, null);
    close(c.centrePx, 0, 1e-9);
    close(c.angleDeg, want, 1e-9);
  }
  // a degenerate (zero-length) segment has no orientation
  assert.equal(compareAxis([{ x: 30, y: 20 }, { x: 30, y: 20 }], mark.long, null).angleDeg, 0);
});
