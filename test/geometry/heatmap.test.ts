import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeHeatmaps, encodeHeatmaps, heatmapEntropies, heatmapEntropy } from '../../src/geometry/heatmap.ts';
import { coord } from './arbitraries.ts';

test('decode recovers a sub-pixel point within 0.5 px (square and non-square maps)', () => {
  fc.assert(fc.property(
    fc.integer({ min: 8, max: 96 }), fc.integer({ min: 8, max: 96 }), coord(0, 1), coord(0, 1), coord(0.7, 2.5),
    (width, height, fx, fy, sigma) => {
      const p = { x: 1 + fx * (width - 3), y: 1 + fy * (height - 3) };
      const { points, peaks } = decodeHeatmaps(encodeHeatmaps([p], { width, height }, sigma));
      return Math.hypot(points[0].x - p.x, points[0].y - p.y) < 0.5 && peaks[0] > 0.6 && peaks[0] <= 1;
    },
  ));
});

test('decode is near-exact for an interior Gaussian (better than argmax)', () => {
  const p = { x: 20.3, y: 11.8 };
  const { points } = decodeHeatmaps(encodeHeatmaps([p], { width: 48, height: 24 }, 1));
  assert.ok(Math.hypot(points[0].x - p.x, points[0].y - p.y) < 1e-3, JSON.stringify(points[0]));
});

test('encode: channel order, peak 1 at an integer point, clipping at the edge', () => {
  const maps = encodeHeatmaps([{ x: 3, y: 4 }, { x: 0, y: 0 }, { x: -50, y: 5 }], 16);
  assert.equal(maps.channels, 3);
  assert.equal(maps.data[4 * 16 + 3], 1);
  assert.equal(maps.data[256], 1);
  assert.ok(Math.abs(maps.data[256 + 1] - Math.exp(-0.5)) < 1e-6);
  assert.equal(maps.data.subarray(512).reduce((a, b) => a + b, 0), 0);
  assert.throws(() => encodeHeatmaps([{ x: NaN, y: 0 }], 8), /keypoint 0 x=NaN/);
});

test('entropy: flat 1, delta 0, negatives clamped, in [0, 1]', () => {
  const n = 64;
  assert.equal(heatmapEntropy(new Float32Array(n).fill(0.3), 0, n), 1);
  const delta = new Float32Array(n); delta[10] = 5;
  assert.equal(heatmapEntropy(delta, 0, n), 0);
  const withNeg = Float32Array.from(delta); withNeg[3] = -2;
  assert.equal(heatmapEntropy(withNeg, 0, n), 0);
  const sharp = encodeHeatmaps([{ x: 30, y: 30 }], 64, 1), blurry = encodeHeatmaps([{ x: 30, y: 30 }], 64, 2.5);
  const [hs] = heatmapEntropies(sharp), [hb] = heatmapEntropies(blurry);
  assert.ok(hs > 0 && hs < hb && hb < 1, `${hs} ${hb}`);
  fc.assert(fc.property(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 2, maxLength: 50 }), (xs) => {
    const h = heatmapEntropy(xs, 0, xs.length);
    return h >= 0 && h <= 1;
  }));
  assert.throws(() => heatmapEntropy(new Float32Array(4), 2, 4), /offset=2, n=4 exceeds data length=4/);
});
